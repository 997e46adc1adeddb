// Deployments, ReplicaSets and garbage collection on a real apiserver and etcd,
// with the controllers running; tests play the node agent by marking pods ready.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../../api/errors';
import type { RunningControllers } from '../../controllers/controller-set';
import type { Deployment, Pod, ReplicaSet } from '../../controllers/workload-types';
import { createNamespace, deployment, eventually, listPods, markAllReady, modify, resources, runControllers, startTestCluster, TestCluster } from './cluster';

let cluster: TestCluster;
let controllers: RunningControllers;
const log: string[] = [];

before(async () => {
  cluster = await startTestCluster();
  controllers = await runControllers(cluster.client, log);
});

after(async () => {
  if (process.env.KAPSTAN_TEST_DEBUG) console.error(log.join('\n'));
  await controllers?.stop();
  await cluster?.stop();
});

const replicaSetsOf = async (ns: string) => (await cluster.client.list<ReplicaSet>(resources.replicaSets, ns)).items;
const getDeployment = (ns: string, name: string) => cluster.client.get<Deployment>(resources.deployments, ns, name);
const live = (pods: Pod[]) => pods.filter((p) => !p.metadata.deletionTimestamp);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

test('a Deployment of 3 gets one ReplicaSet and 3 pods, then reports them available', async () => {
  const ns = 'kap-dep-create';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(resources.deployments, ns, deployment('web', 3));
  const pods = await eventually(async () => {
    const p = await listPods(client, ns);
    return p.length === 3 && p;
  }, '3 pods');
  const [rs, ...more] = await replicaSetsOf(ns);
  assert.equal(more.length, 0);
  const hash = rs.metadata.labels?.['pod-template-hash'];
  assert.ok(hash && rs.metadata.name === `web-${hash}`);
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(rs.metadata.ownerReferences?.[0]?.kind, 'Deployment');
  for (const p of pods) {
    assert.equal(p.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid);
    assert.equal(p.metadata.ownerReferences?.[0]?.controller, true);
    assert.equal(p.metadata.labels?.['pod-template-hash'], hash);
    assert.match(p.metadata.name!, new RegExp(`^${rs.metadata.name}-`));
  }
  await markAllReady(client, ns);
  const d = await eventually(async () => {
    const d = await getDeployment(ns, 'web');
    return d.status?.availableReplicas === 3 && d.status.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable') && d;
  }, 'the Deployment to be available');
  assert.equal(d.status?.replicas, 3);
  assert.equal(d.status?.updatedReplicas, 3);
  assert.equal(d.status?.readyReplicas, 3);
  assert.equal(d.status?.unavailableReplicas, 0);
  assert.equal(d.status?.observedGeneration, d.metadata.generation);
  assert.equal(d.status?.conditions?.find((c) => c.type === 'Available')?.status, 'True');
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  const rsNow = (await replicaSetsOf(ns))[0];
  assert.deepEqual(
    [rsNow.status?.replicas, rsNow.status?.readyReplicas, rsNow.status?.availableReplicas, rsNow.status?.fullyLabeledReplicas],
    [3, 3, 3, 3],
  );
});

test('a deleted pod is replaced, and scaling down deletes the surplus', async () => {
  const ns = 'kap-dep-scale';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(resources.deployments, ns, deployment('api', 3));
  const pods = await eventually(async () => {
    const p = await listPods(client, ns);
    return p.length === 3 && p;
  }, '3 pods');
  await client.delete(resources.pods, ns, pods[0].metadata.name!);
  const replaced = await eventually(async () => {
    const p = await listPods(client, ns);
    return p.length === 3 && !p.some((x) => x.metadata.uid === pods[0].metadata.uid) && p;
  }, 'a replacement pod');
  assert.equal(replaced.filter((p) => pods.some((o) => o.metadata.uid === p.metadata.uid)).length, 2, 'the other two were kept');

  await modify<Deployment>(client, resources.deployments, ns, 'api', (d) => (d.spec.replicas = 1));
  await eventually(async () => (await listPods(client, ns)).length === 1, 'one pod left');
  const rs = (await replicaSetsOf(ns))[0];
  assert.equal(rs.spec.replicas, 1);
  await eventually(async () => (await getDeployment(ns, 'api')).status?.replicas === 1, 'status.replicas 1');
});

test('a template change rolls to a new ReplicaSet within maxSurge and maxUnavailable as pods become ready', async () => {
  const ns = 'kap-dep-roll';
  const { client } = cluster;
  await createNamespace(client, ns);
  const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } };
  await client.create(resources.deployments, ns, deployment('app', 4, 'busybox:1', { strategy }));
  await eventually(async () => (await listPods(client, ns)).length === 4, '4 pods');
  await markAllReady(client, ns);
  await eventually(async () => (await getDeployment(ns, 'app')).status?.availableReplicas === 4, '4 available');

  await modify<Deployment>(client, resources.deployments, ns, 'app', (d) => {
    (d.spec.template!.spec!.containers as Array<{ image: string }>)[0].image = 'busybox:2';
  });

  // Play the agent: new pods become ready a step at a time; check the bounds at each step.
  let maxPods = 0;
  let minReady = Infinity;
  await eventually(async () => {
    const pods = live(await listPods(client, ns));
    maxPods = Math.max(maxPods, pods.length);
    minReady = Math.min(minReady, pods.filter(isReady).length);
    const notReady = pods.filter((p) => !isReady(p));
    if (notReady[0]) await markAllReady(client, ns);
    const rss = await replicaSetsOf(ns);
    const done = rss.length === 2 && rss.every((rs) => (rs.spec.replicas === 4) === (rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2'));
    const current = await getDeployment(ns, 'app');
    return done && current.status?.updatedReplicas === 4 && current.status.availableReplicas === 4 && current.status.replicas === 4 && pods.length === 4;
  }, 'the rollout to finish', 20_000);
  assert.ok(maxPods <= 5, `at most replicas + maxSurge pods existed (saw ${maxPods})`);
  assert.ok(minReady >= 3, `at least replicas - maxUnavailable pods stayed ready (saw ${minReady})`);
  const rss = await replicaSetsOf(ns);
  const newRS = rss.find((rs) => rs.spec.replicas === 4)!;
  const oldRS = rss.find((rs) => rs !== newRS)!;
  assert.equal(oldRS.spec.replicas, 0);
  assert.equal((newRS.spec.template?.spec?.containers as Array<{ image: string }>)[0].image, 'busybox:2');
  for (const p of live(await listPods(client, ns))) assert.equal(p.metadata.labels?.['pod-template-hash'], newRS.metadata.labels?.['pod-template-hash']);
  assert.equal((await getDeployment(ns, 'app')).metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
});

async function deploymentWithPods(ns: string, name: string, replicas: number): Promise<{ rs: ReplicaSet; pods: Pod[] }> {
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(resources.deployments, ns, deployment(name, replicas));
  const pods = await eventually(async () => {
    const p = await listPods(client, ns);
    return p.length === replicas && p;
  }, `${replicas} pods`);
  return { rs: (await replicaSetsOf(ns))[0], pods };
}

async function gone(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return false;
  } catch (err) {
    if (isApiError(err, 'NotFound')) return true;
    throw err;
  }
}

test('deleting a Deployment in the background removes its ReplicaSets and pods', async () => {
  const ns = 'kap-dep-bg';
  const { client } = cluster;
  await deploymentWithPods(ns, 'bg', 2);
  await client.delete(resources.deployments, ns, 'bg', { propagationPolicy: 'Background' });
  await eventually(async () => (await replicaSetsOf(ns)).length === 0 && (await listPods(client, ns)).length === 0, 'the ReplicaSet and pods to go');
});

test('foreground deletion keeps the Deployment until its dependents are gone', async () => {
  const ns = 'kap-dep-fg';
  const { client } = cluster;
  const { rs } = await deploymentWithPods(ns, 'fg', 2);
  const deleting = await client.delete(resources.deployments, ns, 'fg', { propagationPolicy: 'Foreground' });
  assert.ok('metadata' in deleting && (deleting.metadata as { finalizers?: string[] }).finalizers?.includes('foregroundDeletion'));
  await eventually(async () => gone(() => getDeployment(ns, 'fg')), 'the Deployment to go');
  assert.ok(await gone(() => client.get(resources.replicaSets, ns, rs.metadata.name!)), 'its ReplicaSet went first');
  assert.equal((await listPods(client, ns)).length, 0, 'and the ReplicaSet waited for its pods');
});

test('orphan deletion removes the Deployment and leaves its ReplicaSet and pods without the owner reference', async () => {
  const ns = 'kap-dep-orphan';
  const { client } = cluster;
  const { rs, pods } = await deploymentWithPods(ns, 'orph', 2);
  await client.delete(resources.deployments, ns, 'orph', { propagationPolicy: 'Orphan' });
  await eventually(async () => gone(() => getDeployment(ns, 'orph')), 'the Deployment to go');
  const left = await client.get<ReplicaSet>(resources.replicaSets, ns, rs.metadata.name!);
  assert.equal(left.metadata.uid, rs.metadata.uid);
  assert.equal(left.metadata.ownerReferences, undefined);
  // The orphaned ReplicaSet keeps its pods.
  const podsNow = await listPods(client, ns);
  assert.deepEqual(podsNow.map((p) => p.metadata.uid).sort(), pods.map((p) => p.metadata.uid).sort());
  assert.ok(podsNow.every((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid));
});

/** Plays the agent until the Deployment's rollout completes; returns the most pods seen and the fewest ready. */
async function rollOut(ns: string, name: string, replicas: number): Promise<{ maxPods: number; minReady: number }> {
  const { client } = cluster;
  let maxPods = 0;
  let minReady = Infinity;
  await eventually(async () => {
    const pods = live(await listPods(client, ns));
    maxPods = Math.max(maxPods, pods.length);
    minReady = Math.min(minReady, pods.filter(isReady).length);
    await markAllReady(client, ns);
    const d = await getDeployment(ns, name);
    const s = d.status ?? {};
    return (
      s.observedGeneration === d.metadata.generation && s.updatedReplicas === replicas && s.availableReplicas === replicas && s.replicas === replicas && pods.length === replicas
    );
  }, `the rollout of ${name}`, 20_000);
  return { maxPods, minReady };
}

const imageOf = (rs: ReplicaSet) => (rs.spec.template?.spec?.containers as Array<{ image: string }>)[0].image;
const setImage = (ns: string, name: string, image: string) =>
  modify<Deployment>(cluster.client, resources.deployments, ns, name, (d) => {
    (d.spec.template!.spec!.containers as Array<{ image: string }>)[0].image = image;
  });

test('10 replicas with the default 25% surge and unavailability: bounds hold, and a rollback reuses the old ReplicaSet as a new revision', async () => {
  const ns = 'kap-dep-ten';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(resources.deployments, ns, deployment('ten', 10));
  await rollOut(ns, 'ten', 10);
  await setImage(ns, 'ten', 'busybox:2');
  const bounds = await rollOut(ns, 'ten', 10);
  assert.ok(bounds.maxPods <= 13, `at most 10 + 3 pods (saw ${bounds.maxPods})`);
  assert.ok(bounds.minReady >= 8, `at least 10 - 2 ready (saw ${bounds.minReady})`);

  await setImage(ns, 'ten', 'busybox:1'); // what `kubectl rollout undo` sends
  await rollOut(ns, 'ten', 10);
  const rss = await replicaSetsOf(ns);
  assert.equal(rss.length, 2, 'no third ReplicaSet: the first one came back');
  const current = rss.find((rs) => rs.spec.replicas === 10)!;
  assert.equal(imageOf(current), 'busybox:1');
  assert.equal(current.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal((await getDeployment(ns, 'ten')).metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
});

test('a paused Deployment does not roll out a template change until resumed', async () => {
  const ns = 'kap-dep-pause';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(resources.deployments, ns, deployment('p', 2));
  await rollOut(ns, 'p', 2);
  await modify<Deployment>(client, resources.deployments, ns, 'p', (d) => (d.spec.paused = true));
  await setImage(ns, 'p', 'busybox:2');
  const paused = await eventually(async () => {
    const d = await getDeployment(ns, 'p');
    return d.status?.observedGeneration === d.metadata.generation && d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'DeploymentPaused' && d;
  }, 'the pause to be observed');
  assert.ok(paused);
  assert.equal((await replicaSetsOf(ns)).length, 1, 'no new ReplicaSet while paused');
  await modify<Deployment>(client, resources.deployments, ns, 'p', (d) => (d.spec.paused = false));
  await rollOut(ns, 'p', 2);
  assert.ok((await replicaSetsOf(ns)).some((rs) => rs.spec.replicas === 2 && imageOf(rs) === 'busybox:2'));
});

test('a rollout whose pods never become ready exceeds its progress deadline', async () => {
  const ns = 'kap-dep-deadline';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(resources.deployments, ns, deployment('stuck', 2, 'busybox:1', { progressDeadlineSeconds: 1 }));
  const d = await eventually(async () => {
    const d = await getDeployment(ns, 'stuck');
    const c = d.status?.conditions?.find((x) => x.type === 'Progressing');
    return c?.status === 'False' && d;
  }, 'ProgressDeadlineExceeded');
  const c = d.status!.conditions!.find((x) => x.type === 'Progressing')!;
  assert.equal(c.reason, 'ProgressDeadlineExceeded');
  assert.match(c.message ?? '', /has timed out progressing/);
  assert.equal(d.status?.conditions?.find((x) => x.type === 'Available')?.status, 'False');
});

test('scaling in the middle of a rollout spreads the new pods over the old and new ReplicaSets', async () => {
  const ns = 'kap-dep-midscale';
  const { client } = cluster;
  await createNamespace(client, ns);
  const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
  await client.create(resources.deployments, ns, deployment('mid', 4, 'busybox:1', { strategy }));
  await rollOut(ns, 'mid', 4);
  await setImage(ns, 'mid', 'busybox:2');
  // The surge pod never becomes ready: the rollout holds at 4 old + 1 new.
  await eventually(async () => {
    const rss = await replicaSetsOf(ns);
    return rss.length === 2 && rss.some((rs) => imageOf(rs) === 'busybox:2' && rs.spec.replicas === 1);
  }, 'the surge ReplicaSet');
  await modify<Deployment>(client, resources.deployments, ns, 'mid', (d) => (d.spec.replicas = 8));
  // 8 + 1 surge = 9 pods allowed: 4 more, spread 4:1 → old 4+3, new 1+1.
  await eventually(async () => {
    const rss = await replicaSetsOf(ns);
    const sizes = Object.fromEntries(rss.map((rs) => [imageOf(rs), rs.spec.replicas]));
    return sizes['busybox:1'] === 7 && sizes['busybox:2'] === 2;
  }, 'proportional sizes 7 and 2');
  await rollOut(ns, 'mid', 8);
});
