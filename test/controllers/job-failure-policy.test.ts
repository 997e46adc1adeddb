// Job pod failures on a real apiserver and etcd with the controllers running:
// the back-off between pods, podFailurePolicy FailJob and Ignore. The test
// plays the node agent by failing pods with exit codes and conditions.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../../api/resources';
import type { KubeObject } from '../../api/types';
import type { RunningControllers } from '../../controllers/controller-set';
import type { Job } from '../../controllers/job';
import type { Pod } from '../../controllers/workload-types';
import { createNamespace, eventually, listPods, runControllers, startTestCluster, TestCluster } from './cluster';
import { disruptionTarget, failOn42IgnoreDisruption as policy, finishPod, job } from './job-pods';

const jobs = findByKind('batch/v1', 'Job')!;
const BACKOFF_MS = 3000;
let cluster: TestCluster;
let controllers: RunningControllers;

before(async () => {
  cluster = await startTestCluster();
  // A 3 s first back-off: long enough to see that no pod starts during it.
  controllers = await runControllers(cluster.client, [], { jobBackoffBaseMs: BACKOFF_MS, jobBackoffMaxMs: 4 * BACKOFF_MS });
});

after(async () => {
  await controllers?.stop();
  await cluster?.stop();
});

const live = (pods: Pod[]) => pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp);
const getJob = (ns: string, name: string) => cluster.client.get<Job & KubeObject>(jobs, ns, name);
const condition = (j: Job, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

test('after a failed pod the next one waits out the back-off', async () => {
  const ns = 'kap-jobfp-backoff';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(jobs, ns, job('patient', { backoffLimit: 3 }));
  const [first] = await eventually(async () => {
    const p = live(await listPods(client, ns));
    return p.length === 1 && p;
  }, 'the first pod');
  await finishPod(client, first, 'Failed');
  const failedAt = Date.now();
  await eventually(async () => (await getJob(ns, 'patient')).status?.failed === 1, 'the failure counted');
  // finishedAt has whole seconds, so the back-off may end up to 1 s early: none before BACKOFF_MS − 1 s.
  while (Date.now() < failedAt + BACKOFF_MS - 1500) {
    assert.equal(live(await listPods(client, ns)).length, 0, 'no pod during the back-off');
    await new Promise((r) => setTimeout(r, 100));
  }
  await eventually(async () => live(await listPods(client, ns)).length === 1, 'the replacement after the back-off');
});

test('podFailurePolicy FailJob: exit code 42 fails the Job at once and its other pods are deleted', async () => {
  const ns = 'kap-jobfp-failjob';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(jobs, ns, job('strict', { parallelism: 2, completions: 4, backoffLimit: 6, podFailurePolicy: policy }));
  const pods = await eventually(async () => {
    const p = live(await listPods(client, ns));
    return p.length === 2 && p;
  }, 'two pods');
  await finishPod(client, pods[0], 'Failed', { exitCode: 42 });
  const failed = await eventually(async () => {
    const j = await getJob(ns, 'strict');
    return condition(j, 'Failed') && j;
  }, 'the Job to fail');
  assert.equal(condition(failed, 'Failed')!.reason, 'PodFailurePolicy');
  assert.match(condition(failed, 'Failed')!.message ?? '', /Container main for pod .* failed with exit code 42 matching FailJob rule at index 0/);
  assert.equal(failed.status?.failed, 1);
  assert.equal(failed.status?.active, 0);
  await eventually(async () => live(await listPods(client, ns)).length === 0, 'the other pod deleted');
});

test('podFailurePolicy Ignore: a pod failed with DisruptionTarget is replaced at once and not counted', async () => {
  const ns = 'kap-jobfp-ignore';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(jobs, ns, job('tolerant', { backoffLimit: 0, podFailurePolicy: policy }));
  const [evicted] = await eventually(async () => {
    const p = live(await listPods(client, ns));
    return p.length === 1 && p;
  }, 'the pod');
  await finishPod(client, evicted, 'Failed', { exitCode: 137, conditions: [disruptionTarget()] });
  const failedAt = Date.now();
  const [replacement] = await eventually(async () => {
    const p = live(await listPods(client, ns));
    return p.length === 1 && p[0].metadata.uid !== evicted.metadata.uid && p;
  }, 'a replacement pod');
  assert.ok(Date.now() - failedAt < BACKOFF_MS, 'an ignored failure starts no back-off');
  await finishPod(client, replacement, 'Succeeded');
  const done = await eventually(async () => {
    const j = await getJob(ns, 'tolerant');
    return condition(j, 'Complete') && j;
  }, 'the Job to complete');
  assert.equal(done.status?.failed ?? 0, 0, 'the ignored failure is not counted (backoffLimit 0 would have failed the Job)');
  assert.equal(done.status?.succeeded, 1);
});
