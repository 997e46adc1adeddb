// Server-side dry run (dryRun=All) in the generic store against a real etcd:
// the answer is the object as the write would make it; nothing is stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRegistry, type TestRegistry } from '../../test/harness/registry';
import type { EtcdBackend } from '../storage/etcd-backend';
import type { Registry } from './registry';
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';

let bed: TestRegistry;
let backend: EtcdBackend;
let registry: Registry;

before(async () => {
  bed = await startTestRegistry();
  ({ backend, registry } = bed);
});

after(async () => {
  await bed?.stop();
});

const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } });

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err.code;
  }
  return 'ok';
}

test('a dry-run create returns the object but stores nothing; a taken name is AlreadyExists', async () => {
  const store = registry.storeFor('', 'v1', 'configmaps');
  const { object } = await store.create('default', cm('dry'), { dryRun: true });
  assert.equal(object.metadata.name, 'dry');
  assert.match(object.metadata.uid!, /^[0-9a-f-]{36}$/);
  assert.equal(await code(store.get('default', 'dry')), 'NotFound');

  await store.create('default', cm('taken'));
  assert.equal(await code(store.create('default', cm('taken'), { dryRun: true })), 'AlreadyExists');
});

test('a dry-run create of a Service shows a ClusterIP and claims none', async () => {
  const store = registry.storeFor('', 'v1', 'services');
  const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }], clusterIP: '10.96.3.3' } };
  const { object } = await store.create('default', structuredClone(svc), { dryRun: true });
  assert.deepEqual((object.spec as { clusterIPs: string[] }).clusterIPs, ['10.96.3.3']);
  // The same address is still free for a real create.
  const real = await store.create('default', structuredClone(svc));
  assert.equal((real.object.spec as { clusterIP: string }).clusterIP, '10.96.3.3');
});

test('a dry-run update checks preconditions and returns the change without storing it', async () => {
  const store = registry.storeFor('', 'v1', 'configmaps');
  const { object: live } = await store.create('default', cm('upd'));
  const changed = { ...structuredClone(live), data: { k: 'changed' } };
  const { object } = await store.update('default', 'upd', changed, { dryRun: true });
  assert.deepEqual(object.data, { k: 'changed' });
  const stored = await store.get('default', 'upd');
  assert.deepEqual(stored.data, { k: 'v' });
  assert.equal(stored.metadata.resourceVersion, live.metadata.resourceVersion);
  // A stale resourceVersion is refused as the real update would refuse it.
  const stale = { ...structuredClone(live), metadata: { ...live.metadata, resourceVersion: '1' }, data: { k: 'x' } };
  assert.equal(await code(store.update('default', 'upd', stale, { dryRun: true })), 'Conflict');
});
