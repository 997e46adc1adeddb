// etcd goes away in the middle of requests: clients get 503, never a
// half-written change, and everything works again once etcd is back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApiServer, TestApiServer } from '../harness/api-server';
import { request } from '../harness/http';

let api: TestApiServer;

before(async () => {
  api = await startTestApiServer();
});

after(async () => {
  await api?.stop();
});

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } });

test('with etcd stopped, writes and reads get 503 and nothing is half-written', async () => {
  const before = await request(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('kept') });
  assert.equal(before.status, 201);
  await api.etcd.stop('SIGKILL');
  try {
    const write = await request(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('during-outage') });
    assert.equal(write.status, 503, write.text);
    assert.equal(write.body.reason, 'ServiceUnavailable');
    const update = await request(api, 'PATCH', '/api/v1/namespaces/default/configmaps/kept', {
      body: { data: { k: 'changed' } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(update.status, 503);
    const read = await request(api, 'GET', '/api/v1/namespaces/default/configmaps/kept');
    assert.equal(read.status, 503);
    assert.equal((await request(api, 'GET', '/readyz', { token: null })).status, 503);
  } finally {
    await api.etcd.restart();
  }
  // Once etcd is back: the refused write is absent, the old object unchanged.
  let got;
  for (let i = 0; i < 100; i++) {
    got = await request(api, 'GET', '/api/v1/namespaces/default/configmaps/kept');
    if (got.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(got!.status, 200);
  assert.equal(got!.body.data.k, 'kept');
  assert.equal((await request(api, 'GET', '/api/v1/namespaces/default/configmaps/during-outage')).status, 404);
  const after = await request(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('after') });
  assert.equal(after.status, 201);
});
