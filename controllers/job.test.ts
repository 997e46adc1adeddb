// Job reconcile(key) on a manual clock against caches seeded through a real
// apiserver: the pod-failure back-off and the podFailurePolicy actions.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind, resourcePath } from '../api/resources';
import type { KubeObject } from '../api/types';
import { createNamespace, resources, startTestCluster, TestCluster } from '../test/controllers/cluster';
import { disruptionTarget, failOn42IgnoreDisruption as policy, finishPod, job } from '../test/controllers/job-pods';
import { ManualClock } from '../test/controllers/manual-clock';
import { summary } from '../test/controllers/recording-client';
import { startUnitBed, UnitBed } from '../test/controllers/unit-bed';
import { backoffDelay } from './job-backoff';
import { Job, JobController } from './job';
import type { Pod } from './workload-types';

const jobs = findByKind('batch/v1', 'Job')!;
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster();
});

after(async () => {
  await cluster?.stop();
});

/** A bed on a clock at a whole second, so container finishedAt (seconds) equals the clock. */
const bedFor = () => startUnitBed(cluster, (ctx) => new JobController(ctx), new ManualClock(Math.floor(Date.now() / 1000) * 1000));

const jobPods = (bed: UnitBed<JobController>, ns: string) => bed.informers.for<Pod>(resources.pods).list(ns);
const live = (pods: Pod[]) => pods.filter((p) => !p.status?.phase || p.status.phase === 'Pending' || p.status.phase === 'Running').filter((p) => !p.metadata.deletionTimestamp);

/** Reconciles until the cache reflects the writes, returning the calls of the first pass. */
async function settle(bed: UnitBed<JobController>, ns: string, name: string): Promise<string[]> {
  await bed.controller.reconcile(`${ns}/${name}`);
  const calls = summary(bed.client.take());
  await bed.caughtUp(jobs, ns, name);
  for (const p of jobPods(bed, ns)) await bed.caughtUp(resources.pods, ns, p.metadata.name!).catch(() => undefined);
  return calls;
}

test('back-off: 10 s × 2^(n−1) capped at 6 min', () => {
  assert.deepEqual([1, 2, 3, 6, 7, 20].map((n) => backoffDelay(n) / 1000), [10, 20, 40, 320, 360, 360]);
  assert.equal(backoffDelay(0), 0);
});

test('a failed pod is replaced only after the back-off; the failure past backoffLimit fails the Job (BackoffLimitExceeded) and no pod follows', async () => {
  const ns = 'kap-jobu-backoff';
  await createNamespace(cluster.client, ns);
  await cluster.client.create(jobs, ns, job('flaky', { backoffLimit: 2 }));
  const bed = await bedFor();
  const { clock } = bed;
  try {
    await bed.caughtUp(jobs, ns, 'flaky');
    assert.deepEqual(await settle(bed, ns, 'flaky'), ['create pods flaky-', 'update jobs/status flaky']);
    await bed.until(() => jobPods(bed, ns).length === 1, 'the first pod');

    for (const [n, delay] of [[1, 10_000], [2, 20_000]] as const) {
      const [pod] = live(jobPods(bed, ns));
      await finishPod(cluster.client, pod, 'Failed', { finishedAt: clock.now() });
      await bed.until(() => live(jobPods(bed, ns)).length === 0, `failure ${n} in the cache`);
      const recorded = await settle(bed, ns, 'flaky');
      assert.ok(!recorded.includes('create pods flaky-'), `no new pod right after failure ${n}: ${recorded}`);
      assert.deepEqual(await settle(bed, ns, 'flaky'), ['update jobs/status flaky'], 'the failure settles into status.failed');
      clock.advance(delay - 1000);
      assert.deepEqual(await settle(bed, ns, 'flaky'), [], `still backing off ${delay - 1000} ms after failure ${n}`);
      clock.advance(1000);
      assert.deepEqual(await settle(bed, ns, 'flaky'), ['create pods flaky-', 'update jobs/status flaky'], `a new pod ${delay} ms after failure ${n}`);
      await bed.until(() => live(jobPods(bed, ns)).length === 1, 'the replacement pod');
    }

    const [last] = live(jobPods(bed, ns));
    await finishPod(cluster.client, last, 'Failed', { finishedAt: clock.now() });
    await bed.until(() => live(jobPods(bed, ns)).length === 0, 'the third failure in the cache');
    await settle(bed, ns, 'flaky');
    await settle(bed, ns, 'flaky');
    const failed = bed.informers.for<Job & KubeObject>(jobs).getByName(ns, 'flaky')!;
    assert.equal(failed.status?.failed, 3);
    const cond = failed.status?.conditions?.find((c) => c.type === 'Failed');
    assert.equal(cond?.status, 'True');
    assert.equal(cond?.reason, 'BackoffLimitExceeded');
    clock.advance(60 * 60_000);
    assert.ok(!(await settle(bed, ns, 'flaky')).some((c) => c.startsWith('create')), 'no pod after the Job failed');
  } finally {
    await bed.stop();
  }
});

test('podFailurePolicy FailJob on exit code 42: the Job fails at once (reason PodFailurePolicy) and its other pods are deleted', async () => {
  const ns = 'kap-jobu-failjob';
  await createNamespace(cluster.client, ns);
  await cluster.client.create(jobs, ns, job('strict', { parallelism: 2, completions: 4, backoffLimit: 6, podFailurePolicy: policy }));
  const bed = await bedFor();
  try {
    await bed.caughtUp(jobs, ns, 'strict');
    await settle(bed, ns, 'strict');
    await bed.until(() => jobPods(bed, ns).length === 2, 'two pods');
    const [bad, other] = jobPods(bed, ns);
    await finishPod(cluster.client, bad, 'Failed', { exitCode: 42, finishedAt: bed.clock.now() });
    await bed.until(() => live(jobPods(bed, ns)).length === 1, 'the failure in the cache');
    const calls = await settle(bed, ns, 'strict');
    assert.deepEqual(calls, [`delete pods ${other.metadata.name}`, 'update jobs/status strict', `update pods ${bad.metadata.name}`]);
    await settle(bed, ns, 'strict');
    const j = bed.informers.for<Job & KubeObject>(jobs).getByName(ns, 'strict')!;
    const cond = j.status?.conditions?.find((c) => c.type === 'Failed');
    assert.equal(cond?.reason, 'PodFailurePolicy');
    assert.equal(cond?.message, `Container main for pod ${ns}/${bad.metadata.name} failed with exit code 42 matching FailJob rule at index 0`);
    assert.equal(j.status?.failed, 1, 'one failure was enough, though backoffLimit is 6');
  } finally {
    await bed.stop();
  }
});

test('podFailurePolicy Ignore on DisruptionTarget: the failure is not counted, the pod is replaced at once; other exit codes count', async () => {
  const ns = 'kap-jobu-ignore';
  await createNamespace(cluster.client, ns);
  await cluster.client.create(jobs, ns, job('tolerant', { backoffLimit: 0, podFailurePolicy: policy }));
  const bed = await bedFor();
  try {
    await bed.caughtUp(jobs, ns, 'tolerant');
    await settle(bed, ns, 'tolerant');
    await bed.until(() => jobPods(bed, ns).length === 1, 'the pod');
    const [evicted] = jobPods(bed, ns);
    await finishPod(cluster.client, evicted, 'Failed', { exitCode: 137, conditions: [disruptionTarget()], finishedAt: bed.clock.now() });
    await bed.until(() => live(jobPods(bed, ns)).length === 0, 'the eviction in the cache');
    const calls = await settle(bed, ns, 'tolerant');
    assert.deepEqual(calls, ['create pods tolerant-', `update pods ${evicted.metadata.name}`], 'replaced without back-off; only its finalizer removed');
    const j = bed.informers.for<Job & KubeObject>(jobs).getByName(ns, 'tolerant')!;
    assert.equal(j.status?.failed ?? 0, 0);
    assert.ok(!j.status?.conditions?.some((c) => c.type === 'Failed'));

    await bed.until(() => live(jobPods(bed, ns)).length === 1, 'the replacement');
    const [second] = live(jobPods(bed, ns));
    await finishPod(cluster.client, second, 'Failed', { exitCode: 1, finishedAt: bed.clock.now() });
    await bed.until(() => live(jobPods(bed, ns)).length === 0, 'the real failure in the cache');
    await settle(bed, ns, 'tolerant');
    await settle(bed, ns, 'tolerant');
    const failed = bed.informers.for<Job & KubeObject>(jobs).getByName(ns, 'tolerant')!;
    assert.equal(failed.status?.failed, 1);
    assert.equal(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'BackoffLimitExceeded', 'exit code 1 matches no rule: counted, backoffLimit 0');
  } finally {
    await bed.stop();
  }
});

test('backoffLimitPerIndex: an index fails alone past its limit or on FailIndex, backs off on its own failures; all finished with failures → FailedIndexes', async () => {
  const ns = 'kap-jobu-perindex';
  await createNamespace(cluster.client, ns);
  const failIndex = { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [42] } }] };
  await cluster.client.create(jobs, ns, job('per', { completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 1, podFailurePolicy: failIndex }));
  const bed = await bedFor();
  const { clock } = bed;
  const ofIndex = (i: number) => live(jobPods(bed, ns)).find((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === String(i));
  const j = () => bed.informers.for<Job & KubeObject>(jobs).getByName(ns, 'per')!;
  try {
    await bed.caughtUp(jobs, ns, 'per');
    await settle(bed, ns, 'per');
    await bed.until(() => live(jobPods(bed, ns)).length === 3, 'three pods');
    assert.equal(ofIndex(0)!.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count'], '0');

    // Index 0 fails once: its replacement waits 10 s and carries the count 1.
    await finishPod(cluster.client, ofIndex(0)!, 'Failed', { finishedAt: clock.now() });
    await bed.until(() => !ofIndex(0), 'index 0 failed in the cache');
    assert.ok(!(await settle(bed, ns, 'per')).includes('create pods per-0-'), 'no retry of index 0 during its back-off');
    await settle(bed, ns, 'per');
    clock.advance(10_000);
    assert.ok((await settle(bed, ns, 'per')).includes('create pods per-0-'), 'index 0 retried after 10 s');
    await bed.until(() => !!ofIndex(0), 'the retry of index 0');
    assert.equal(ofIndex(0)!.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count'], '1');

    // Its second failure passes backoffLimitPerIndex 1; index 1 fails with exit code 42 (FailIndex).
    await finishPod(cluster.client, ofIndex(0)!, 'Failed', { finishedAt: clock.now() });
    await finishPod(cluster.client, ofIndex(1)!, 'Failed', { exitCode: 42, finishedAt: clock.now() });
    await bed.until(() => !ofIndex(0) && !ofIndex(1), 'both failures in the cache');
    await settle(bed, ns, 'per');
    await settle(bed, ns, 'per');
    assert.equal(j().status?.failedIndexes, '0,1');
    assert.ok(!j().status?.conditions?.some((c) => c.type === 'Failed'), 'index 2 still runs');
    clock.advance(60 * 60_000);
    assert.ok(!(await settle(bed, ns, 'per')).some((c) => c.startsWith('create')), 'failed indexes are not retried');

    await finishPod(cluster.client, ofIndex(2)!, 'Succeeded', { finishedAt: clock.now() });
    await bed.until(() => !ofIndex(2), 'index 2 done in the cache');
    await settle(bed, ns, 'per');
    await settle(bed, ns, 'per');
    assert.equal(j().status?.completedIndexes, '2');
    assert.equal(j().status?.failed, 3);
    assert.equal(j().status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True')?.reason, 'FailedIndexes');
  } finally {
    await bed.stop();
  }
});

test('only Failed pods replaced (podFailurePolicy): a deleted pod holds its place while a node runs it; a never-scheduled one counts as a pod-GC disruption', async () => {
  const ns = 'kap-jobu-terminating';
  await createNamespace(cluster.client, ns);
  await cluster.client.create(jobs, ns, job('holder', { backoffLimit: 0, podFailurePolicy: policy }));
  const bed = await bedFor();
  try {
    await bed.caughtUp(jobs, ns, 'holder');
    await settle(bed, ns, 'holder');
    await bed.until(() => jobPods(bed, ns).length === 1, 'the pod');
    // Bound to a node, then deleted: its place is held until it has failed.
    const [bound] = jobPods(bed, ns);
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: bound.metadata.name }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' } };
    await cluster.client.json('POST', resourcePath(resources.pods, ns, bound.metadata.name, 'binding'), { body: binding });
    await cluster.client.delete(resources.pods, ns, bound.metadata.name!);
    await bed.until(() => !!jobPods(bed, ns)[0]?.metadata.deletionTimestamp && !!jobPods(bed, ns)[0]?.spec?.nodeName, 'the bound pod terminating');
    assert.ok(!(await settle(bed, ns, 'holder')).some((c) => c.startsWith('create')), 'no replacement while it terminates');
    await finishPod(cluster.client, bound, 'Failed', { exitCode: 143, conditions: [disruptionTarget()], finishedAt: bed.clock.now() });
    await bed.until(() => jobPods(bed, ns)[0]?.status?.phase === 'Failed', 'its failure in the cache');
    assert.ok((await settle(bed, ns, 'holder')).includes('create pods holder-'), 'replaced once Failed (and ignored: DisruptionTarget)');
    await bed.until(() => live(jobPods(bed, ns)).length === 1, 'the replacement');
    await settle(bed, ns, 'holder');
    const [pod] = live(jobPods(bed, ns));
    // Never scheduled, deleted by someone else: it will never fail by itself.
    await cluster.client.delete(resources.pods, ns, pod.metadata.name!);
    await bed.until(() => !!bed.informers.for<Pod>(resources.pods).getByName(ns, pod.metadata.name!)?.metadata.deletionTimestamp, 'the deletion in the cache');
    const calls = await settle(bed, ns, 'holder');
    assert.ok(calls.includes('create pods holder-'), `replaced: ${calls}`);
    assert.ok(calls.includes(`update pods ${pod.metadata.name}`), 'its finalizer released');
    await settle(bed, ns, 'holder');
    const j = bed.informers.for<Job & KubeObject>(jobs).getByName(ns, 'holder')!;
    assert.equal(j.status?.failed ?? 0, 0, 'matched the Ignore rule as DisruptionTarget');
    assert.ok(!j.status?.conditions?.some((c) => c.type === 'Failed'));
  } finally {
    await bed.stop();
  }
});

test('restartPolicy OnFailure: container restarts of a running pod count towards backoffLimit', async () => {
  const ns = 'kap-jobu-onfailure';
  await createNamespace(cluster.client, ns);
  const template = { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox:1' }] } };
  await cluster.client.create(jobs, ns, job('restarts', { backoffLimit: 2, template }));
  const bed = await bedFor();
  try {
    await bed.caughtUp(jobs, ns, 'restarts');
    await settle(bed, ns, 'restarts');
    await bed.until(() => jobPods(bed, ns).length === 1, 'the pod');
    const restarted = async (count: number) => {
      const latest = await cluster.client.get<Pod>(resources.pods, ns, jobPods(bed, ns)[0].metadata.name!);
      latest.status = { ...latest.status, phase: 'Running', containerStatuses: [{ name: 'main', ready: false, restartCount: count, image: 'busybox:1', imageID: '' }] };
      await cluster.client.update(resources.pods, ns, latest, { subresource: 'status' });
      await bed.until(() => jobPods(bed, ns)[0].status?.containerStatuses?.[0]?.restartCount === count, `${count} restarts in the cache`);
    };
    await restarted(1);
    assert.deepEqual(await settle(bed, ns, 'restarts'), [], 'one restart: within the limit');
    await restarted(2);
    const calls = await settle(bed, ns, 'restarts');
    assert.deepEqual(calls, [`delete pods ${jobPods(bed, ns)[0].metadata.name}`, 'update jobs/status restarts']);
    const j = bed.informers.for<Job & KubeObject>(jobs).getByName(ns, 'restarts')!;
    assert.equal(j.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'BackoffLimitExceeded');
  } finally {
    await bed.stop();
  }
});
