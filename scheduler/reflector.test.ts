import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRelist, Reflector, ReflectorHandler } from './reflector';
import type { KubeObject } from '../api/types';
import { findByKind } from '../api/resources';
import { RestClient } from '../client/rest-client';
import { startTestApiServer } from '../test/harness/api-server';

const CONFIGMAPS = findByKind('v1', 'ConfigMap')!;

function recorder() {
  const calls: string[] = [];
  const handler: ReflectorHandler<KubeObject> = {
    added: (o) => calls.push(`added ${o.metadata.name}`),
    modified: (_old, o) => calls.push(`modified ${o.metadata.name}`),
    deleted: (o) => calls.push(`deleted ${o.metadata.name}`),
  };
  return { calls, handler };
}

const cm = (name: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: rv } });

test('a relist reports additions, changes and the deletions missed while the watch was down', () => {
  const known = new Map<string, KubeObject>();
  const { calls, handler } = recorder();
  applyRelist(known, [cm('a', '1'), cm('b', '2')], handler);
  applyRelist(known, [cm('b', '2'), cm('c', '5'), cm('a', '4')], handler);
  applyRelist(known, [cm('c', '5')], handler);
  assert.deepEqual(calls, ['added a', 'added b', 'added c', 'modified a', 'deleted a', 'deleted b']);
  assert.deepEqual([...known.keys()], ['ns/c']);
});

test('the reflector lists, watches, and resumes after its connection is cut', async () => {
  const api = await startTestApiServer();
  const client = new RestClient({ server: api.url, caPem: api.caPem, token: api.token });
  const { calls, handler } = recorder();
  const reflector = new Reflector(client, CONFIGMAPS, handler, { log: () => {}, initialRetryMs: 20 });
  const waitFor = async (what: string) => {
    const deadline = Date.now() + 5000;
    while (!calls.includes(what)) {
      if (Date.now() > deadline) throw new Error(`no "${what}" in ${JSON.stringify(calls)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  try {
    await client.create(CONFIGMAPS, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kap-before' } });
    reflector.start();
    await reflector.synced;
    assert.ok(calls.includes('added kap-before'));
    await client.create(CONFIGMAPS, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kap-watched' } });
    await waitFor('added kap-watched');
    client.close(); // cuts the watch connection; the reflector watches again from the last version
    await client.delete(CONFIGMAPS, 'default', 'kap-before');
    await client.create(CONFIGMAPS, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kap-after' } });
    await waitFor('deleted kap-before');
    await waitFor('added kap-after');
    assert.equal(calls.filter((c) => c === 'added kap-watched').length, 1, 'nothing is reported twice');
  } finally {
    await reflector.stop();
    client.close();
    await api.stop();
  }
});
