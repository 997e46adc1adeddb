// The Backend contract against a real etcd: the two transaction shapes
// (create if absent, CAS on mod_revision), reads, paging, counts, errors,
// and failing over to the next endpoint when one is unreachable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEtcd } from '../../test/harness/etcd';
import { startTestBackend, TestBackend } from '../../test/harness/registry';
import { freePort } from '../../test/harness/ports';
import { isApiError } from '../../api/errors';
import { EtcdBackend } from './etcd-backend';

let bed: TestBackend;
let etcd: TestEtcd;
let backend: EtcdBackend;

before(async () => {
  bed = await startTestBackend();
  ({ etcd, backend } = bed);
});

after(async () => {
  await bed?.stop();
});

const buf = (s: string) => Buffer.from(s);

test('create is put-if-absent and returns the stored value when the key exists', async () => {
  const first = await backend.create('/kap-t/a', buf('one'));
  assert.ok(first.ok);
  const second = await backend.create('/kap-t/a', buf('two'));
  assert.equal(second.ok, false);
  assert.ok(!second.ok && second.current);
  assert.equal(!second.ok && second.current?.value.toString(), 'one');
  assert.equal(!second.ok && second.current?.modRevision, first.ok && first.revision);
  const kv = await backend.get('/kap-t/a');
  assert.equal(kv?.value.toString(), 'one');
  assert.equal(kv?.createRevision, kv?.modRevision);
  assert.equal(await backend.get('/kap-t/missing'), undefined);
});

test('update and delete succeed only at the expected mod_revision', async () => {
  const created = await backend.create('/kap-t/b', buf('v1'));
  assert.ok(created.ok);
  const stale = await backend.update('/kap-t/b', buf('v2'), created.revision - 1);
  assert.equal(stale.ok, false);
  const updated = await backend.update('/kap-t/b', buf('v2'), created.revision);
  assert.ok(updated.ok && updated.revision > created.revision);
  const kv = await backend.get('/kap-t/b');
  assert.equal(kv?.value.toString(), 'v2');
  assert.equal(kv?.modRevision, updated.ok && updated.revision);
  assert.equal((await backend.delete('/kap-t/b', created.revision)).ok, false);
  assert.ok((await backend.delete('/kap-t/b', kv!.modRevision)).ok);
  assert.equal(await backend.get('/kap-t/b'), undefined);
  // A missing key has mod_revision 0: an update against anything else fails with no current value.
  const gone = await backend.update('/kap-t/b', buf('v3'), kv!.modRevision);
  assert.deepEqual(gone, { ok: false, current: undefined });
});

test('list pages by limit at one revision, count counts the prefix', async () => {
  for (let i = 0; i < 5; i++) assert.ok((await backend.create(`/kap-l/k${i}`, buf(`v${i}`))).ok);
  const page = await backend.list('/kap-l/', { limit: 2 });
  assert.deepEqual(page.kvs.map((kv) => kv.key), ['/kap-l/k0', '/kap-l/k1']);
  assert.equal(page.more, true);
  await backend.create('/kap-l/k9', buf('late'));
  const rest = await backend.list('/kap-l/', { startKey: '/kap-l/k1\0', revision: page.revision });
  assert.deepEqual(rest.kvs.map((kv) => kv.value.toString()), ['v2', 'v3', 'v4']);
  assert.equal(rest.more, false);
  assert.equal(await backend.count('/kap-l/'), 6);
  assert.ok((await backend.currentRevision()) >= page.revision + 1);
});

test('a compacted revision is 410 Gone; an oversized value is 413', async () => {
  const rev = await backend.currentRevision();
  await backend.create('/kap-c/x', buf('x'));
  await backend.compact(rev + 1);
  await assert.rejects(backend.list('/kap-c/', { revision: rev }), (err) => isApiError(err, 'Gone'));
  // The test etcd takes requests up to 3 MiB.
  await assert.rejects(backend.create('/kap-c/big', Buffer.alloc(4 * 1024 * 1024, 'a')), (err) => isApiError(err, 'RequestEntityTooLarge'));
});

test('an unreachable endpoint fails over to the next; none reachable is 503', async () => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const failover = new EtcdBackend({ endpoints: [dead, etcd.endpoint] });
  const unreachable = new EtcdBackend({ endpoints: [dead], callTimeoutMs: 2_000 });
  try {
    assert.ok((await failover.create('/kap-f/a', buf('a'))).ok);
    assert.equal((await failover.get('/kap-f/a'))?.value.toString(), 'a');
    await assert.rejects(unreachable.get('/kap-f/a'), (err) => isApiError(err, 'ServiceUnavailable'));
  } finally {
    await failover.close();
    await unreachable.close();
  }
});

test('etcd endpoints are plain http: a bare host:port works, https is refused with a clear error', async () => {
  const bare = new EtcdBackend({ endpoints: [etcd.endpoint.replace(/^http:\/\//, '')] });
  try {
    assert.ok((await bare.create('/kap-t/bare', Buffer.from('x'))).ok);
    assert.equal((await bare.get('/kap-t/bare'))?.value.toString(), 'x');
  } finally {
    await bare.close();
  }
  assert.throws(() => new EtcdBackend({ endpoints: ['https://127.0.0.1:2379'] }), /plain http only/);
});
