// ReplicaSet reconcile(key) against caches seeded through a real apiserver:
// the tests assert the exact writes it makes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types';
import { createNamespace, markPodReady, replicaSet, resources, startTestCluster, TestCluster } from '../test/controllers/cluster';
import { summary } from '../test/controllers/recording-client';
import { startUnitBed, UnitBed } from '../test/controllers/unit-bed';
import { makeControllerRef } from './owner-refs';
import { ReplicaSetController } from './replicaset';
import type { Pod, ReplicaSet } from './workload-types';

let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster();
});

after(async () => {
  await cluster?.stop();
});

async function withBed(fn: (bed: UnitBed<ReplicaSetController>) => Promise<void>): Promise<void> {
  const bed = await startUnitBed(cluster, (ctx) => new ReplicaSetController(ctx));
  try {
    await fn(bed);
  } finally {
    await bed.stop();
  }
}

function pod(name: string, labels: Record<string, string>, owner?: KubeObject): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, ...(owner ? { ownerReferences: [makeControllerRef(owner)] } : {}) },
    spec: { containers: [{ name: 'main', image: 'busybox:1' }] },
  };
}

/** Empties the work queue (informer events of other tests' objects land there too); returns the keys. */
async function drain(bed: UnitBed<ReplicaSetController>): Promise<string[]> {
  const keys: string[] = [];
  while (bed.controller.queue.length > 0) {
    const k = (await bed.controller.queue.get())!;
    bed.controller.queue.done(k);
    keys.push(k);
  }
  return keys;
}

const podCount = (bed: UnitBed<ReplicaSetController>, ns: string) => bed.informers.for(resources.pods).list(ns).length;

test('missing pods are created from the template with generateName and a controller reference, then status is written', async () => {
  const ns = 'kap-rsu-create';
  await createNamespace(cluster.client, ns);
  const rs = await cluster.client.create<ReplicaSet>(resources.replicaSets, ns, replicaSet('web', 3));
  await withBed(async (bed) => {
    await bed.controller.reconcile(`${ns}/web`);
    const calls = bed.client.take();
    assert.deepEqual(summary(calls), ['create pods web-', 'create pods web-', 'create pods web-', 'update replicasets/status web']);
    const created = calls[0].body!;
    assert.deepEqual(created.metadata.labels, { app: 'web' });
    assert.deepEqual(created.metadata.ownerReferences, [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    assert.equal((created.spec as { containers: Array<{ image: string }> }).containers[0].image, 'busybox:1');
    assert.deepEqual(calls[3].body!.status, { replicas: 0, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 });

    // Until the cache has seen the three creations, or after it has, nothing more is created.
    await bed.controller.reconcile(`${ns}/web`);
    assert.ok(!summary(bed.client.take()).some((c) => c.startsWith('create')));
    await bed.until(() => podCount(bed, ns) === 3, '3 pods');
    assert.ok(bed.controller.expectations.satisfied(`${ns}/web`), 'each creation was observed');
    await bed.controller.reconcile(`${ns}/web`);
    assert.deepEqual(summary(bed.client.take()).filter((c) => !c.startsWith('update replicasets/status')), []);
    await bed.until(() => bed.informers.for<ReplicaSet>(resources.replicaSets).getByName(ns, 'web')?.status?.replicas === 3, 'status.replicas 3');
  });
});

test('surplus pods go unscheduled and pending first, then not ready; ready pods are kept', async () => {
  const ns = 'kap-rsu-surplus';
  await createNamespace(cluster.client, ns);
  const rs = await cluster.client.create<ReplicaSet>(resources.replicaSets, ns, replicaSet('api', 1));
  const ready = await cluster.client.create<Pod>(resources.pods, ns, pod('api-ready', { app: 'api' }, rs));
  await markPodReady(cluster.client, ready);
  const running = await cluster.client.create<Pod>(resources.pods, ns, pod('api-running', { app: 'api' }, rs));
  const runningStatus = structuredClone(running);
  runningStatus.status = { ...running.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] };
  await cluster.client.update(resources.pods, ns, runningStatus, { subresource: 'status' });
  await cluster.client.create(resources.pods, ns, pod('api-pending', { app: 'api' }, rs));
  await withBed(async (bed) => {
    await bed.controller.reconcile(`${ns}/api`);
    const calls = bed.client.take();
    assert.deepEqual(summary(calls).slice(0, 2).sort(), ['delete pods api-pending', 'delete pods api-running']);
    assert.equal(calls[0].options?.preconditions?.uid !== undefined, true, 'deletes name the uid they mean');
    assert.deepEqual(summary(calls).slice(2), ['update replicasets/status api']);
    assert.deepEqual(
      calls[2].body!.status,
      { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 },
      'the deleted pods are no longer counted, though the cache still shows them',
    );
  });
});

test('a matching orphan is adopted and a pod that stopped matching is released', async () => {
  const ns = 'kap-rsu-adopt';
  await createNamespace(cluster.client, ns);
  const rs = await cluster.client.create<ReplicaSet>(resources.replicaSets, ns, replicaSet('db', 2));
  await cluster.client.create(resources.pods, ns, pod('db-orphan', { app: 'db' }));
  await cluster.client.create(resources.pods, ns, pod('db-strayed', { app: 'other' }, rs));
  await cluster.client.create(resources.pods, ns, pod('db-owned', { app: 'db' }, rs));
  await withBed(async (bed) => {
    await bed.controller.reconcile(`${ns}/db`);
    const calls = bed.client.take();
    assert.deepEqual(summary(calls).sort(), ['update pods db-orphan', 'update pods db-strayed', 'update replicasets/status db']);
    const adopted = calls.find((c) => c.name === 'db-orphan')!.body!;
    assert.equal(adopted.metadata.ownerReferences?.[0].uid, rs.metadata.uid);
    const released = calls.find((c) => c.name === 'db-strayed')!.body!;
    assert.equal(released.metadata.ownerReferences, undefined);
    assert.equal((calls.find((c) => c.resource === 'replicasets/status')!.body!.status as { replicas: number }).replicas, 2);
  });
});

test('a ready pod counts as available only after minReadySeconds on the controller clock', async () => {
  const ns = 'kap-rsu-minready';
  await createNamespace(cluster.client, ns);
  const rs = await cluster.client.create<ReplicaSet>(resources.replicaSets, ns, replicaSet('slow', 1, { minReadySeconds: 30 }));
  const p = await cluster.client.create<Pod>(resources.pods, ns, pod('slow-1', { app: 'slow' }, rs));
  await markPodReady(cluster.client, p);
  await withBed(async (bed) => {
    await bed.controller.reconcile(`${ns}/slow`);
    const first = bed.client.take();
    assert.deepEqual(summary(first), ['update replicasets/status slow']);
    assert.deepEqual(first[0].body!.status, { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 0, observedGeneration: 1 });
    await bed.until(() => bed.informers.for<ReplicaSet>(resources.replicaSets).getByName(ns, 'slow')?.status?.readyReplicas === 1, 'the status write');
    await drain(bed); // the status write's own event
    bed.clock.advance(28_000); // Ready times have whole seconds: keep clear of the boundary
    assert.ok(!(await drain(bed)).includes(`${ns}/slow`), 'nothing to do before minReadySeconds');
    bed.clock.advance(3_000);
    assert.ok((await drain(bed)).includes(`${ns}/slow`), 'the controller asked to look again once the pod would be available');
    await bed.controller.reconcile(`${ns}/slow`);
    const second = bed.client.take();
    assert.equal((second[0].body!.status as { availableReplicas: number }).availableReplicas, 1);
  });
});
