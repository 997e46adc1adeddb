// Jobs on a real apiserver and etcd with the controllers running; the test
// plays the node agent by marking pods Succeeded or Failed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../../api/resources';
import type { KubeObject } from '../../api/types';
import type { RunningControllers } from '../../controllers/controller-set';
import type { Job } from '../../controllers/job';
import type { Pod } from '../../controllers/workload-types';
import { job } from './job-pods';
import { createNamespace, eventually, listPods, resources, runControllers, startTestCluster, TestCluster } from './cluster';

const jobs = findByKind('batch/v1', 'Job')!;
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

async function finish(pod: Pod, phase: 'Succeeded' | 'Failed'): Promise<void> {
  const next = structuredClone(pod);
  next.status = { ...pod.status, phase };
  delete next.metadata.resourceVersion;
  await cluster.client.update(resources.pods, pod.metadata.namespace, next, { subresource: 'status' });
}

const running = (pods: Pod[]) => pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp);
const getJob = (ns: string, name: string) => cluster.client.get<Job & KubeObject>(jobs, ns, name);

test('a Job runs pods `parallelism` at a time until `completions` succeed, then is Complete', async () => {
  const ns = 'kap-job-complete';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(jobs, ns, job('count', { completions: 3, parallelism: 2 }));
  let maxRunning = 0;
  let succeeded = 0;
  await eventually(async () => {
    const pods = await listPods(client, ns);
    const active = running(pods);
    maxRunning = Math.max(maxRunning, active.length);
    if (active[0] && succeeded < 3) {
      await finish(active[0], 'Succeeded');
      succeeded++;
    }
    const j = await getJob(ns, 'count');
    return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');
  }, 'the Job to complete');
  const j = await getJob(ns, 'count');
  assert.equal(j.status?.succeeded, 3);
  assert.equal(j.status?.failed ?? 0, 0);
  assert.equal(j.status?.active, 0);
  assert.ok(j.status?.completionTime && j.status.startTime);
  assert.ok(maxRunning <= 2, `never more than parallelism pods ran (saw ${maxRunning})`);
  const pods = await listPods(client, ns);
  assert.equal(pods.length, 3);
  for (const p of pods) {
    assert.equal(p.metadata.labels?.['job-name'], 'count');
    await eventually(async () => !(await client.get<Pod>(resources.pods, ns, p.metadata.name!)).metadata.finalizers?.length, 'the tracking finalizer to go');
  }
});

test('a Job whose pods keep failing stops at backoffLimit and is Failed', async () => {
  const ns = 'kap-job-backoff';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(jobs, ns, job('flaky', { backoffLimit: 2 }));
  const failedUids = new Set<string>();
  await eventually(async () => {
    for (const p of running(await listPods(client, ns))) {
      await finish(p, 'Failed');
      failedUids.add(p.metadata.uid!);
    }
    const j = await getJob(ns, 'flaky');
    return j.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True' && c.reason === 'BackoffLimitExceeded');
  }, 'the Job to fail');
  assert.equal(failedUids.size, 3, 'backoffLimit 2: the third failure ends it');
  const j = await getJob(ns, 'flaky');
  assert.equal(j.status?.failed, 3);
  assert.equal(j.status?.active, 0);
  // No pod is started after the Job failed.
  assert.equal(running(await listPods(client, ns)).length, 0);
});

test('an Indexed Job gives each pod its completion index and records completed indexes', async () => {
  const ns = 'kap-job-indexed';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(jobs, ns, job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
  const pods = await eventually(async () => {
    const p = running(await listPods(client, ns));
    return p.length === 3 && p;
  }, '3 pods');
  const indexes = pods.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
  assert.deepEqual(indexes, ['0', '1', '2']);
  const env = (pods[0].spec as { containers: Array<{ env?: Array<{ name: string }> }> }).containers[0].env ?? [];
  assert.ok(env.some((e) => e.name === 'JOB_COMPLETION_INDEX'));
  const byIndex = (i: string) => pods.find((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === i)!;
  await finish(byIndex('1'), 'Succeeded');
  await eventually(async () => (await getJob(ns, 'idx')).status?.completedIndexes === '1', 'index 1 recorded');
  await finish(byIndex('0'), 'Succeeded');
  await finish(byIndex('2'), 'Succeeded');
  const done = await eventually(async () => {
    const j = await getJob(ns, 'idx');
    return j.status?.conditions?.some((c) => c.type === 'Complete') && j;
  }, 'the Job to complete');
  assert.equal(done.status?.completedIndexes, '0-2');
});

test('deleting a Job removes its pods, tracking finalizers and all', async () => {
  const ns = 'kap-job-delete';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(jobs, ns, job('gone', { parallelism: 2, completions: 4 }));
  await eventually(async () => running(await listPods(client, ns)).length === 2, '2 pods');
  await client.delete(jobs, ns, 'gone', { propagationPolicy: 'Background' });
  await eventually(async () => (await listPods(client, ns)).length === 0, 'the pods to go');
});
