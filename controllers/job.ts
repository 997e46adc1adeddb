// The Job controller: runs pods until `completions` succeed (or, without
// completions, until one succeeds and the rest stop), at most `parallelism`
// at a time, and fails the Job once more than backoffLimit pods failed or
// activeDeadlineSeconds passed. Finished pods are counted exactly once, as
// Kubernetes does, with a tracking finalizer: a finished pod's uid is first
// recorded in status.uncountedTerminatedPods, then its finalizer removed,
// then it moves into the succeeded/failed counters. Also suspend,
// completionMode Indexed (JOB_COMPLETION_INDEX) and ttlSecondsAfterFinished.
import { isApiError } from '../api/errors';
import { findByKind } from '../api/resources';
import type { Informer } from '../client/informer';
import { keyOf } from '../client/informer';
import { Controller, ControllerContext } from './controller';
import { rfc3339 } from './deployment-status';
import { Expectations } from './expectations';
import { JobBackoff } from './job-backoff';
import { COMPLETION_INDEX_ANNOTATION, IndexFailures, INDEX_FAILURE_COUNT_ANNOTATION, indexOf, parseIndexes } from './job-index-failures';
import { controllerRefOf, makeControllerRef } from './owner-refs';
import { matchPodFailurePolicy, PodFailurePolicy } from './pod-failure-policy';
import { compareForDeletion, isPodReady } from './pod-state';
import { podsResource, slowStartBatch } from './replicaset';
import type { Condition, Pod, PodTemplate } from './workload-types';

export const jobsResource = findByKind('batch/v1', 'Job')!;
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export { COMPLETION_INDEX_ANNOTATION, parseIndexes } from './job-index-failures';

export interface JobStatus {
  conditions?: Condition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  ready?: number;
  succeeded?: number;
  failed?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
}

export interface Job {
  apiVersion: string;
  kind: string;
  metadata: Pod['metadata'];
  spec: {
    parallelism?: number;
    completions?: number;
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    ttlSecondsAfterFinished?: number;
    completionMode?: 'NonIndexed' | 'Indexed';
    suspend?: boolean;
    podFailurePolicy?: PodFailurePolicy;
    podReplacementPolicy?: 'TerminatingOrFailed' | 'Failed';
    backoffLimitPerIndex?: number;
    maxFailedIndexes?: number;
    template?: PodTemplate;
  };
  status?: JobStatus;
  [key: string]: unknown;
}

export interface JobControllerOptions {
  /** Pod-failure back-off: first delay (Kubernetes: 10 s) and cap (6 min); tests shorten them. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

const ORPHAN_POD_PREFIX = 'orphan-pod:';
const terminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const finishedCondition = (s: JobStatus | undefined) => s?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

export class JobController extends Controller {
  readonly expectations: Expectations;
  /** Failures since the last success per Job: new pods wait 10 s × 2^(n−1), at most 6 min. */
  readonly backoff: JobBackoff;
  /** Pods this controller deleted (surplus, suspend, finish): not failures. */
  private readonly deletedByUs = new Set<string>();
  private readonly jobs: Informer<Job & Pod>;
  private readonly pods: Informer<Pod>;

  constructor(ctx: ControllerContext, opts: JobControllerOptions = {}) {
    super('job-controller', ctx);
    this.backoff = new JobBackoff(opts.backoffBaseMs, opts.backoffMaxMs);
    this.expectations = new Expectations(this.clock);
    this.jobs = this.informers.for<Job & Pod>(jobsResource);
    this.pods = this.informers.for<Pod>(podsResource);
    this.jobs.addEventHandler({
      onAdd: (j) => this.enqueue(j),
      onUpdate: (_o, j) => this.enqueue(j),
      onDelete: (j) => this.enqueue(j),
    });
    const byPod = (observe?: (key: string, pod: Pod) => void) => (pod: Pod) => {
      const key = this.ownerKey(pod);
      if (!key) {
        // A tracked pod whose Job is gone must not keep its finalizer forever.
        if (controllerRefOf(pod)?.kind === 'Job' && (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) this.enqueue(ORPHAN_POD_PREFIX + keyOf(pod));
        return;
      }
      observe?.(key, pod);
      this.enqueue(key);
    };
    this.pods.addEventHandler({
      onAdd: byPod((key) => this.expectations.creationObserved(key)),
      onUpdate: (_old, pod) => byPod()(pod),
      onDelete: byPod((key, pod) => {
        this.expectations.deletionObserved(key, pod.metadata.uid!);
        this.deletedByUs.delete(pod.metadata.uid!);
      }),
    });
  }

  private ownerKey(pod: Pod): string | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'Job') return undefined;
    const job = this.jobs.getByName(pod.metadata.namespace, ref.name);
    return job && job.metadata.uid === ref.uid ? keyOf(job) : undefined;
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith(ORPHAN_POD_PREFIX)) return this.releaseOrphanPod(key.slice(ORPHAN_POD_PREFIX.length));
    const job = this.jobs.get(key) as Job | undefined;
    if (!job) {
      this.expectations.delete(key);
      this.backoff.delete(key);
      return;
    }
    const now = this.clock.now();
    const pods = this.pods.list(job.metadata.namespace).filter((p) => controllerRefOf(p)?.uid === job.metadata.uid);
    const finished = finishedCondition(job.status);
    if (finished) {
      await this.releaseTrackedPods(job, pods);
      return this.expireIfDone(job, finished, now);
    }
    const status: JobStatus = structuredClone(job.status ?? {});
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] };

    // 1. Record newly finished pods as uncounted (a crash after this never counts them twice).
    //    A running pod deleted by someone else counts as failed, as in Kubernetes, unless only
    //    Failed pods are replaced (podReplacementPolicy Failed, implied by a podFailurePolicy):
    //    then it counts once it has failed, and the podFailurePolicy decides how.
    const onlyReplaceFailed = job.spec.podReplacementPolicy === 'Failed' || !!job.spec.podFailurePolicy;
    const indexed = job.spec.completionMode === 'Indexed';
    // backoffLimitPerIndex: failures counted per index, an index failing alone (FailIndex or its own limit).
    const perIndex = indexed && job.spec.backoffLimitPerIndex !== undefined ? new IndexFailures(job.spec.backoffLimitPerIndex, status.failedIndexes, pods, job.spec.podFailurePolicy, (n) => this.backoff.delay(n), now) : undefined;
    const newlySucceeded: Pod[] = [];
    const newlyFailed: Pod[] = [];
    const ignored = new Set<string>();
    let policyFailure: { reason: string; message: string } | undefined;
    for (const p of pods) {
      if (!(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) continue;
      const uid = p.metadata.uid!;
      const deletedElsewhere = !terminal(p) && !!p.metadata.deletionTimestamp && !this.deletedByUs.has(uid);
      // A deleted pod no node runs never reaches Failed: Kubernetes' pod GC fails it (DisruptionTarget).
      const neverRuns = deletedElsewhere && !p.spec?.nodeName;
      if (!terminal(p) && !(deletedElsewhere && (!onlyReplaceFailed || neverRuns))) continue;
      if (p.status?.phase === 'Succeeded') {
        if (!uncounted.succeeded.includes(uid)) uncounted.succeeded.push(uid);
        newlySucceeded.push(p);
        continue;
      }
      const match = p.status?.phase === 'Failed' ? matchPodFailurePolicy(job.spec.podFailurePolicy, p) : neverRuns ? matchPodFailurePolicy(job.spec.podFailurePolicy, withPodGcDisruption(p)) : undefined;
      if (match?.action === 'Ignore') {
        ignored.add(uid); // not a failure: released uncounted, and replaced
        continue;
      }
      if (match?.action === 'FailJob') policyFailure ??= { reason: 'PodFailurePolicy', message: match.message };
      if (!uncounted.failed.includes(uid)) uncounted.failed.push(uid);
      newlyFailed.push(p);
      perIndex?.failedPod(p, match?.action === 'FailIndex');
    }
    this.backoff.observe(key, newlySucceeded, newlyFailed, now);
    const completed = new Set(parseIndexes(status.completedIndexes));
    if (indexed) for (const p of pods) if (uncounted.succeeded.includes(p.metadata.uid!)) completed.add(indexOf(p));
    // 2. Counters include what is recorded; pods whose finalizer is gone move out of the uncounted lists.
    const tracked = (uid: string) => pods.some((p) => p.metadata.uid === uid && (p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER));
    const settledSucceeded = uncounted.succeeded.filter((u) => !tracked(u));
    const settledFailed = uncounted.failed.filter((u) => !tracked(u));
    const succeeded = (status.succeeded ?? 0) + uncounted.succeeded.length;
    const failed = (status.failed ?? 0) + uncounted.failed.length;
    const active = pods.filter((p) => !terminal(p) && !p.metadata.deletionTimestamp);

    // 3. Decide: finished, failed, suspended, or run the right number of pods.
    const completions = job.spec.completions;
    const parallelism = job.spec.parallelism ?? 1;
    const deadline = job.spec.activeDeadlineSeconds;
    const started = status.startTime ? Date.parse(status.startTime) : undefined;
    // A podFailurePolicy FailJob is remembered as the FailureTarget condition until every pod is counted.
    const target = status.conditions?.find((c) => c.type === 'FailureTarget' && c.status === 'True');
    const policyDecided = target ? { reason: target.reason ?? 'PodFailurePolicy', message: target.message ?? '' } : policyFailure;
    let failure = policyDecided;
    if (!policyDecided && (failed > (job.spec.backoffLimit ?? 6) || restartsPastBackoffLimit(job, active))) {
      failure = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    } else if (!policyDecided && perIndex && perIndex.failed.size > (job.spec.maxFailedIndexes ?? Infinity)) {
      failure = { reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' };
    } else if (!policyDecided && deadline !== undefined && started !== undefined && !job.spec.suspend && now >= started + deadline * 1000) {
      failure = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    }
    const finishedIndexes = completed.size + (perIndex?.failed.size ?? 0);
    const done = indexed
      ? finishedIndexes >= (completions ?? 1)
      : completions === undefined
        ? succeeded > 0 && active.length === 0
        : succeeded >= completions;
    // Every index finished, some failed: the Job failed (backoffLimitPerIndex).
    if (!failure && done && perIndex && perIndex.failed.size > 0) failure = { reason: 'FailedIndexes', message: 'Job has failed indexes' };

    let activeCount = active.length;
    if (failure || done || job.spec.suspend) {
      await this.deletePods(key, active);
      activeCount = 0;
    } else if (this.expectations.satisfied(key)) {
      // With only Failed pods replaced, a terminating pod still holds its place.
      const terminating = onlyReplaceFailed ? pods.filter((p) => !terminal(p) && !!p.metadata.deletionTimestamp && !!p.spec?.nodeName) : [];
      activeCount = await this.manageActive(job, active, terminating, succeeded, completed, now, perIndex);
    }
    if (!job.spec.suspend && !status.startTime) status.startTime = rfc3339(now);
    if (!failure && !done && deadline !== undefined && !job.spec.suspend) {
      this.enqueueAfter(key, Math.max(1, (started ?? now) + deadline * 1000 - now + 1));
    }

    status.active = activeCount;
    status.ready = active.filter(isPodReady).length;
    status.succeeded = (status.succeeded ?? 0) + settledSucceeded.length;
    status.failed = (status.failed ?? 0) + settledFailed.length;
    status.uncountedTerminatedPods = {
      succeeded: uncounted.succeeded.filter((u) => !settledSucceeded.includes(u)),
      failed: uncounted.failed.filter((u) => !settledFailed.includes(u)),
    };
    if (indexed) status.completedIndexes = formatIndexes([...completed]);
    if (perIndex) status.failedIndexes = formatIndexes([...perIndex.failed]);
    const nowText = rfc3339(now);
    if (policyFailure && !target) setJobCondition(status, 'FailureTarget', 'True', policyFailure.reason, policyFailure.message, nowText);
    setJobCondition(status, 'Suspended', job.spec.suspend ? 'True' : 'False', job.spec.suspend ? 'JobSuspended' : 'JobResumed', job.spec.suspend ? 'Job suspended' : 'Job resumed', nowText);
    // A Job is only declared finished once every finished pod has been counted.
    const allCounted = status.uncountedTerminatedPods.succeeded!.length === 0 && status.uncountedTerminatedPods.failed!.length === 0;
    if (failure && allCounted) {
      setJobCondition(status, 'Failed', 'True', failure.reason, failure.message, nowText);
      this.events.event(job as Pod, 'Warning', failure.reason, failure.message);
    } else if (done && allCounted && activeCount === 0) {
      this.events.event(job as Pod, 'Normal', 'Completed', 'Job completed');
      setJobCondition(status, 'Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', nowText);
      status.completionTime = nowText;
    }
    await this.writeStatus(job, status);
    // 4. Finished pods recorded above lose their finalizer (the next pass counts them).
    await this.releaseTrackedPods(job, pods, new Set([...uncounted.succeeded, ...uncounted.failed, ...ignored]));
  }

  /** Creates or deletes pods to have the right number active; returns how many are active now. */
  private async manageActive(job: Job, active: Pod[], terminating: Pod[], succeeded: number, completed: Set<number>, now: number, perIndex?: IndexFailures): Promise<number> {
    const key = keyOf(job as Pod);
    const parallelism = job.spec.parallelism ?? 1;
    const completions = job.spec.completions;
    let want: number;
    let indexes: number[] = [];
    // Terminating pods still hold places (only Failed pods are replaced): fewer new pods, none deleted for them.
    let held = terminating.length;
    if (job.spec.completionMode === 'Indexed') {
      const busy = new Set([...completed, ...active.map(indexOf), ...terminating.map(indexOf), ...(perIndex?.failed ?? [])]);
      let soonest = Infinity;
      for (let i = 0; i < (completions ?? 1) && active.length + held + indexes.length < parallelism; i++) {
        if (busy.has(i)) continue;
        // With per-index limits each index backs off on its own failures.
        const wait = perIndex?.remaining(i, now) ?? 0;
        if (wait > 0) soonest = Math.min(soonest, wait);
        else indexes.push(i);
      }
      if (soonest < Infinity) this.enqueueAfter(key, soonest);
      want = Math.min(parallelism, active.length + indexes.length);
      held = 0;
    } else if (completions === undefined) {
      want = succeeded > 0 ? 0 : parallelism;
    } else {
      want = Math.min(parallelism, completions - succeeded);
    }
    const diff = active.length - want;
    if (diff > 0) {
      await this.deletePods(key, [...active].sort(compareForDeletion).slice(0, diff));
      return want;
    }
    if (diff + held >= 0) return active.length;
    // After failures a new pod waits out the back-off; the key comes back when it has passed.
    const wait = perIndex ? 0 : this.backoff.remaining(key, now);
    if (wait > 0) {
      this.enqueueAfter(key, wait);
      return active.length;
    }
    const count = -diff - held;
    indexes = indexes.slice(0, count);
    this.expectations.expectCreations(key, count);
    let next = 0;
    const { succeeded: made, error } = await slowStartBatch(count, () => {
      const index = indexes[next++];
      return this.createPod(job, index, index === undefined ? undefined : perIndex?.count(index));
    });
    for (let i = made; i < count; i++) this.expectations.creationObserved(key);
    if (error) throw error;
    return active.length + made;
  }

  private async createPod(job: Job, index: number | undefined, indexFailures?: number): Promise<void> {
    const template = job.spec.template ?? {};
    const name = job.metadata.name!;
    const labels: Record<string, string> = {
      ...(template.metadata?.labels ?? {}),
      'batch.kubernetes.io/controller-uid': job.metadata.uid!,
      'batch.kubernetes.io/job-name': name,
      'controller-uid': job.metadata.uid!,
      'job-name': name,
    };
    const spec = structuredClone(template.spec ?? {}) as Record<string, unknown>;
    const annotations: Record<string, string> = { ...(template.metadata?.annotations ?? {}) };
    if (index !== undefined) {
      labels[COMPLETION_INDEX_ANNOTATION] = String(index);
      annotations[COMPLETION_INDEX_ANNOTATION] = String(index);
      if (indexFailures !== undefined) annotations[INDEX_FAILURE_COUNT_ANNOTATION] = String(indexFailures);
      spec.hostname ??= `${name}-${index}`;
      for (const c of [...((spec.containers as Array<{ env?: unknown[] }>) ?? []), ...((spec.initContainers as Array<{ env?: unknown[] }>) ?? [])]) {
        c.env = [...(c.env ?? []), { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } } }];
      }
    }
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
        namespace: job.metadata.namespace,
        labels,
        ...(Object.keys(annotations).length ? { annotations } : {}),
        finalizers: [JOB_TRACKING_FINALIZER],
        ownerReferences: [makeControllerRef(job as Pod)],
      },
      spec,
    };
    await this.client.create(podsResource, job.metadata.namespace, pod);
  }

  private async deletePods(key: string, pods: Pod[]): Promise<void> {
    if (pods.length === 0) return;
    this.expectations.expectDeletions(key, pods.map((p) => p.metadata.uid!));
    for (const p of pods) {
      this.deletedByUs.add(p.metadata.uid!);
      try {
        await this.client.delete(podsResource, p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
      } catch (err) {
        this.expectations.deletionObserved(key, p.metadata.uid!);
        if (!isApiError(err, 'NotFound')) throw err;
      }
    }
  }

  /**
   * Removes the tracking finalizer from pods: all of them once the Job is
   * finished; otherwise those recorded in `recorded` and those we deleted.
   */
  private async releaseTrackedPods(job: Job, pods: Pod[], recorded?: Set<string>): Promise<void> {
    const finishedJob = !!finishedCondition(job.status);
    for (const p of pods) {
      if (!(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) continue;
      const uid = p.metadata.uid!;
      const ours = !!p.metadata.deletionTimestamp && this.deletedByUs.has(uid);
      if (!finishedJob && !recorded?.has(uid) && !ours) continue;
      await this.removeTrackingFinalizer(p);
    }
  }

  /** A pod with the tracking finalizer whose Job no longer exists loses the finalizer. */
  private async releaseOrphanPod(podKey: string): Promise<void> {
    const pod = this.pods.get(podKey);
    const ref = pod && controllerRefOf(pod);
    if (!pod || !ref || !(pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) return;
    if (this.ownerKey(pod)) return;
    try {
      const job = await this.client.get(jobsResource, pod.metadata.namespace, ref.name);
      if (job.metadata.uid === ref.uid) return; // the cache is behind: the Job exists
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
    await this.removeTrackingFinalizer(pod);
  }

  private async removeTrackingFinalizer(pod: Pod): Promise<void> {
    const next = structuredClone(pod);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
    try {
      await this.client.update(podsResource, pod.metadata.namespace, next);
      // A deleted pod that no node runs (unscheduled or finished) has nothing left to wait for; as
      // Kubernetes' pod GC does for such pods, finish its deletion (the apiserver keeps it otherwise).
      if (pod.metadata.deletionTimestamp && (!pod.spec?.nodeName || terminal(pod)) && (next.metadata.finalizers ?? []).length === 0) {
        await this.client.delete(podsResource, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      }
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  /** ttlSecondsAfterFinished: the finished Job (and, through the garbage collector, its pods) goes. */
  private async expireIfDone(job: Job, finished: Condition, now: number): Promise<void> {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined || ttl === null) return;
    const at = Date.parse(job.status?.completionTime ?? finished.lastTransitionTime ?? '') + ttl * 1000;
    if (Number.isNaN(at)) return;
    if (now < at) return this.enqueueAfter(keyOf(job as Pod), at - now + 1);
    try {
      await this.client.delete(jobsResource, job.metadata.namespace, job.metadata.name!, { propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid } });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  private async writeStatus(job: Job, status: JobStatus): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(job.status ?? {})) return;
    const next = structuredClone(job);
    next.status = status;
    try {
      await this.client.update(jobsResource, job.metadata.namespace, next as Pod, { subresource: 'status' });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}

/** The pod as Kubernetes' pod GC leaves a deleted, never scheduled pod: Failed with DisruptionTarget. */
function withPodGcDisruption(pod: Pod): Pod {
  const conditions = [...(pod.status?.conditions ?? []), { type: 'DisruptionTarget', status: 'True' as const, reason: 'DeletionByPodGC' }];
  return { ...pod, status: { ...pod.status, phase: 'Failed', conditions } };
}

/** restartPolicy OnFailure: container restarts of running pods count as failures (Kubernetes' pastBackoffLimitOnFailure). */
function restartsPastBackoffLimit(job: Job, active: Pod[]): boolean {
  if ((job.spec.template?.spec as { restartPolicy?: string } | undefined)?.restartPolicy !== 'OnFailure') return false;
  const limit = job.spec.backoffLimit ?? 6;
  let restarts = 0;
  for (const p of active) {
    const st = p.status as { containerStatuses?: Array<{ restartCount?: number }>; initContainerStatuses?: Array<{ restartCount?: number }> } | undefined;
    for (const cs of [...(st?.initContainerStatuses ?? []), ...(st?.containerStatuses ?? [])]) restarts += cs.restartCount ?? 0;
  }
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

function setJobCondition(status: JobStatus, type: string, value: 'True' | 'False', reason: string, message: string, now: string): void {
  const current = status.conditions?.find((c) => c.type === type);
  // No Suspended=False condition on a Job that was never suspended.
  if (!current && type === 'Suspended' && value === 'False') return;
  if (current && current.status === value) return;
  const cond: Condition = { type, status: value, reason, message, lastProbeTime: now, lastTransitionTime: now };
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== type), cond];
}



/** [1,3,4,5,7,8] → `1,3-5,7,8`. */
export function formatIndexes(indexes: number[]): string {
  const sorted = [...new Set(indexes)].filter((i) => i >= 0).sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    // As Kubernetes writes them: two neighbours as `1,2`, three or more as `1-3`.
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}${j === i + 1 ? ',' : '-'}${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
