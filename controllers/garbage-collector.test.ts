// Garbage collector reconcile(key) against caches seeded through a real
// apiserver: which deletions and owner-reference edits it makes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference } from '../api/types';
import { createNamespace, resources, startTestCluster, TestCluster } from '../test/controllers/cluster';
import { summary } from '../test/controllers/recording-client';
import { startUnitBed, UnitBed } from '../test/controllers/unit-bed';
import { GarbageCollector } from './garbage-collector';

let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster();
});

after(async () => {
  await cluster?.stop();
});

const kinds = [resources.configMaps, resources.deployments, resources.replicaSets];

async function withBed(fn: (bed: UnitBed<GarbageCollector>) => Promise<void>): Promise<void> {
  const bed = await startUnitBed(cluster, (ctx) => new GarbageCollector({ ...ctx, kinds }));
  try {
    await fn(bed);
  } finally {
    await bed.stop();
  }
}

const ref = (owner: KubeObject, block = false): OwnerReference => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  name: owner.metadata.name!,
  uid: owner.metadata.uid!,
  ...(block ? { blockOwnerDeletion: true } : {}),
});

const configMap = (name: string, owners: OwnerReference[] = [], finalizers?: string[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ownerReferences: owners, ...(finalizers ? { finalizers } : {}) },
});

const key = (ns: string, name: string) => `/v1/configmaps|${ns}/${name}`;

test('an object whose only owner is gone is deleted; one with a live owner too loses just the dangling reference', async () => {
  const ns = 'kap-gcu-dangling';
  await createNamespace(cluster.client, ns);
  const alive = await cluster.client.create(resources.configMaps, ns, configMap('alive'));
  const ghost = { apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '00000000-0000-0000-0000-000000000001' };
  await cluster.client.create(resources.configMaps, ns, configMap('orphaned', [ghost]));
  await cluster.client.create(resources.configMaps, ns, configMap('shared', [ghost, ref(alive)]));
  await withBed(async (bed) => {
    await bed.controller.reconcile(key(ns, 'orphaned'));
    const del = bed.client.take();
    assert.deepEqual(summary(del), ['delete configmaps orphaned']);
    assert.equal(del[0].options?.propagationPolicy, 'Background');
    await bed.controller.reconcile(key(ns, 'shared'));
    const upd = bed.client.take();
    assert.deepEqual(summary(upd), ['update configmaps shared']);
    assert.deepEqual(upd[0].body!.metadata.ownerReferences?.map((r) => r.name), ['alive']);
    await bed.controller.reconcile(key(ns, 'alive'));
    assert.deepEqual(bed.client.take(), [], 'an object without owners is left alone');
  });
});

test('an owner being deleted with the orphan finalizer has its dependents released, then loses the finalizer', async () => {
  const ns = 'kap-gcu-orphan';
  await createNamespace(cluster.client, ns);
  const parent = await cluster.client.create(resources.configMaps, ns, configMap('parent'));
  await cluster.client.create(resources.configMaps, ns, configMap('child', [ref(parent)]));
  await cluster.client.delete(resources.configMaps, ns, 'parent', { propagationPolicy: 'Orphan' });
  await withBed(async (bed) => {
    await bed.until(() => !!bed.informers.for(resources.configMaps).getByName(ns, 'parent')?.metadata.deletionTimestamp, 'the deletion');
    await bed.controller.reconcile(key(ns, 'parent'));
    const calls = bed.client.take();
    assert.deepEqual(summary(calls), ['update configmaps child', 'update configmaps parent']);
    assert.equal(calls[0].body!.metadata.ownerReferences, undefined);
    assert.deepEqual(calls[1].body!.metadata.finalizers, []);
  });
  const child = await cluster.client.get(resources.configMaps, ns, 'child');
  assert.equal(child.metadata.ownerReferences, undefined);
});

test('an owner in foreground deletion has its dependents deleted, and keeps its finalizer while a blocking one remains', async () => {
  const ns = 'kap-gcu-foreground';
  await createNamespace(cluster.client, ns);
  const parent = await cluster.client.create(resources.configMaps, ns, configMap('parent'));
  // A finalizer of someone else keeps the blocking child around after its deletion.
  await cluster.client.create(resources.configMaps, ns, configMap('blocking', [ref(parent, true)], ['example.com/hold']));
  await cluster.client.create(resources.configMaps, ns, configMap('loose', [ref(parent)]));
  await cluster.client.delete(resources.configMaps, ns, 'parent', { propagationPolicy: 'Foreground' });
  await withBed(async (bed) => {
    const cms = bed.informers.for(resources.configMaps);
    await bed.until(() => !!cms.getByName(ns, 'parent')?.metadata.deletionTimestamp, 'the deletion');
    await bed.controller.reconcile(key(ns, 'parent'));
    assert.deepEqual(summary(bed.client.take()).sort(), ['delete configmaps blocking', 'delete configmaps loose']);
    await bed.until(() => !!cms.getByName(ns, 'blocking')?.metadata.deletionTimestamp && !cms.getByName(ns, 'loose'), 'the dependents deleted');
    await bed.controller.reconcile(key(ns, 'parent'));
    assert.deepEqual(summary(bed.client.take()), [], 'waits for the blocking dependent');

    const blocking = await cluster.client.get(resources.configMaps, ns, 'blocking');
    blocking.metadata.finalizers = [];
    await cluster.client.update(resources.configMaps, ns, blocking);
    await bed.until(() => !cms.getByName(ns, 'blocking'), 'the blocking dependent gone');
    await bed.controller.reconcile(key(ns, 'parent'));
    assert.deepEqual(summary(bed.client.take()), ['update configmaps parent']);
  });
  await assert.rejects(cluster.client.get(resources.configMaps, ns, 'parent'), { code: 'NotFound' });
});

test('the dependents index follows ownerReference edits; an update that keeps them enqueues nothing', async () => {
  const ns = 'kap-gcu-edits';
  await createNamespace(cluster.client, ns);
  const owner = await cluster.client.create(resources.configMaps, ns, configMap('owner'));
  const other = await cluster.client.create(resources.configMaps, ns, configMap('other'));
  await cluster.client.create(resources.configMaps, ns, configMap('dep'));
  await withBed(async (bed) => {
    const gc = bed.controller;
    const drain = async (): Promise<string[]> => {
      const keys: string[] = [];
      while (gc.queue.length > 0) {
        const k = (await gc.queue.get())!;
        gc.queue.done(k);
        keys.push(k);
      }
      return keys;
    };
    const edit = async (change: (o: KubeObject) => void): Promise<void> => {
      const live = await cluster.client.get(resources.configMaps, ns, 'dep');
      change(live);
      await cluster.client.update(resources.configMaps, ns, live);
      await bed.caughtUp(resources.configMaps, ns, 'dep');
    };
    const dependents = (o: KubeObject) => gc.dependentsOf(o.metadata.uid!).map((d) => d.obj.metadata.name);
    await drain();

    await edit((o) => (o.metadata.ownerReferences = [ref(owner)]));
    assert.deepEqual(dependents(owner), ['dep']);
    assert.ok((await drain()).includes(key(ns, 'dep')), 'a new owner is checked');

    await edit((o) => (o.data = { changed: 'yes' }));
    assert.ok(!(await drain()).includes(key(ns, 'dep')), 'same owners: nothing to check');
    assert.deepEqual(dependents(owner), ['dep']);

    await edit((o) => (o.metadata.ownerReferences = [ref(other)]));
    assert.deepEqual(dependents(owner), []);
    assert.deepEqual(dependents(other), ['dep']);
    assert.ok((await drain()).includes(key(ns, 'dep')));

    await edit((o) => (o.metadata.ownerReferences = [{ ...ref(other), blockOwnerDeletion: true }]));
    assert.ok((await drain()).includes(key(ns, 'dep')), 'a changed field of a reference counts as a change');
    assert.deepEqual(dependents(other), ['dep']);

    await edit((o) => delete o.metadata.ownerReferences);
    assert.deepEqual(dependents(other), []);
  });
});
