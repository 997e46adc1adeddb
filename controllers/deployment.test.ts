// Deployment reconcile(key) against caches seeded through a real apiserver
// (no other controller runs): the tests assert the exact writes of each step.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createNamespace, deployment, resources, startTestCluster, TestCluster } from '../test/controllers/cluster';
import { summary } from '../test/controllers/recording-client';
import { startUnitBed, UnitBed } from '../test/controllers/unit-bed';
import { DeploymentController } from './deployment';
import { makeControllerRef } from './owner-refs';
import { podTemplateHash } from './pod-template-hash';
import type { Deployment, ReplicaSet, ReplicaSetStatus } from './workload-types';

let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster();
});

after(async () => {
  await cluster?.stop();
});

async function withBed(fn: (bed: UnitBed<DeploymentController>) => Promise<void>): Promise<void> {
  const bed = await startUnitBed(cluster, (ctx) => new DeploymentController(ctx));
  try {
    await fn(bed);
  } finally {
    await bed.stop();
  }
}

/** A ReplicaSet of the Deployment for `image`, as the controller would have made it, with the given status. */
async function seedReplicaSet(d: Deployment, image: string, replicas: number, revision: number, status: Omit<ReplicaSetStatus, 'observedGeneration'>): Promise<ReplicaSet> {
  const ns = d.metadata.namespace!;
  const template = structuredClone(d.spec.template!);
  (template.spec!.containers as Array<{ image: string }>)[0].image = image;
  const hash = podTemplateHash(template);
  template.metadata = { labels: { ...template.metadata!.labels, 'pod-template-hash': hash } };
  const rs = await cluster.client.create<ReplicaSet>(resources.replicaSets, ns, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      labels: template.metadata.labels,
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [makeControllerRef(d)],
    },
    spec: { replicas, selector: { matchLabels: template.metadata.labels }, template },
  });
  rs.status = { ...status, observedGeneration: 1 };
  return cluster.client.update<ReplicaSet>(resources.replicaSets, ns, rs, { subresource: 'status' });
}

const cachedRS = (bed: UnitBed<DeploymentController>, rs: ReplicaSet) =>
  bed.informers.for<ReplicaSet>(resources.replicaSets).getByName(rs.metadata.namespace, rs.metadata.name!);

test('a new Deployment gets a ReplicaSet named by its template hash, revision 1', async () => {
  const ns = 'kap-depu-new';
  await createNamespace(cluster.client, ns);
  const d = await cluster.client.create<Deployment>(resources.deployments, ns, deployment('web', 3));
  const hash = podTemplateHash(d.spec.template);
  await withBed(async (bed) => {
    await bed.controller.reconcile(`${ns}/web`);
    const calls = bed.client.take();
    assert.deepEqual(summary(calls), [`create replicasets web-${hash}`, 'update deployments web', 'update deployments/status web']);
    const rs = calls[0].body as ReplicaSet;
    assert.equal(rs.spec.replicas, 3);
    assert.deepEqual(rs.spec.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
    assert.deepEqual(rs.spec.template?.metadata?.labels, { app: 'web', 'pod-template-hash': hash });
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs.metadata.ownerReferences?.[0].uid, d.metadata.uid);
    assert.equal(calls[1].body!.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    const status = (calls[2].body as Deployment).status!;
    assert.equal(status.observedGeneration, 1);
    assert.equal(status.conditions?.find((c) => c.type === 'Progressing')?.reason, 'NewReplicaSetCreated');
    assert.equal(status.conditions?.find((c) => c.type === 'Available')?.status, 'False');
    assert.deepEqual(
      bed.client.events.map((e) => [e.reason, e.message, (e.involvedObject as { name: string }).name]),
      [['ScalingReplicaSet', `Scaled up replica set web-${hash} to 3`, 'web']],
    );
  });
});

test('a rolling update surges one new pod, then scales the old ReplicaSet down as new pods become available', async () => {
  const ns = 'kap-depu-roll';
  await createNamespace(cluster.client, ns);
  const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
  const d = await cluster.client.create<Deployment>(resources.deployments, ns, deployment('app', 4, 'busybox:2', { strategy }));
  const old = await seedReplicaSet(d, 'busybox:1', 4, 1, { replicas: 4, readyReplicas: 4, availableReplicas: 4 });
  await withBed(async (bed) => {
    await bed.controller.reconcile(`${ns}/app`);
    const first = bed.client.take();
    const newName = `app-${podTemplateHash(d.spec.template)}`;
    assert.deepEqual(summary(first), [`create replicasets ${newName}`, 'update deployments app', 'update deployments/status app']);
    assert.equal((first[0].body as ReplicaSet).spec.replicas, 1, 'replicas + maxSurge = 5 pods at most');
    assert.equal(first[0].body!.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');

    // The surge pod becomes available: one old pod may go.
    const created = await cluster.client.get<ReplicaSet>(resources.replicaSets, ns, newName);
    created.status = { replicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 };
    await cluster.client.update(resources.replicaSets, ns, created, { subresource: 'status' });
    await bed.until(() => cachedRS(bed, created)?.status?.availableReplicas === 1, 'the new status');
    await bed.caughtUp(resources.deployments, ns, 'app');
    await bed.caughtUp(resources.replicaSets, ns, old.metadata.name!);
    await bed.controller.reconcile(`${ns}/app`);
    const second = bed.client.take();
    assert.deepEqual(summary(second), [`update replicasets ${old.metadata.name}`, 'update deployments/status app']);
    assert.equal((second[0].body as ReplicaSet).spec.replicas, 3);
  });
});

test('Recreate scales every old ReplicaSet to zero before creating the new one', async () => {
  const ns = 'kap-depu-recreate';
  await createNamespace(cluster.client, ns);
  const d = await cluster.client.create<Deployment>(resources.deployments, ns, deployment('rc', 2, 'busybox:2', { strategy: { type: 'Recreate' } }));
  const old = await seedReplicaSet(d, 'busybox:1', 2, 1, { replicas: 2, readyReplicas: 2, availableReplicas: 2 });
  await withBed(async (bed) => {
    await bed.controller.reconcile(`${ns}/rc`);
    const first = bed.client.take();
    assert.deepEqual(summary(first), [`update replicasets ${old.metadata.name}`, 'update deployments/status rc']);
    assert.equal((first[0].body as ReplicaSet).spec.replicas, 0);
    // Scaled to zero but its pods not yet gone: still no new ReplicaSet.
    await bed.caughtUp(resources.replicaSets, ns, old.metadata.name!);
    await bed.caughtUp(resources.deployments, ns, 'rc');
    await bed.controller.reconcile(`${ns}/rc`);
    assert.ok(!summary(bed.client.take()).some((c) => c.startsWith('create')));
  });
});

test('ReplicaSets beyond revisionHistoryLimit are deleted once the rollout is complete, oldest first', async () => {
  const ns = 'kap-depu-history';
  await createNamespace(cluster.client, ns);
  const d = await cluster.client.create<Deployment>(resources.deployments, ns, deployment('hist', 1, 'busybox:3', { revisionHistoryLimit: 1 }));
  const r1 = await seedReplicaSet(d, 'busybox:1', 0, 1, { replicas: 0 });
  const r2 = await seedReplicaSet(d, 'busybox:2', 0, 2, { replicas: 0 });
  await seedReplicaSet(d, 'busybox:3', 1, 3, { replicas: 1, readyReplicas: 1, availableReplicas: 1 });
  await withBed(async (bed) => {
    await bed.controller.reconcile(`${ns}/hist`);
    const calls = summary(bed.client.take());
    assert.ok(calls.includes(`delete replicasets ${r1.metadata.name}`), calls.join('; '));
    assert.ok(!calls.includes(`delete replicasets ${r2.metadata.name}`));
  });
});
