// backoffLimitPerIndex for Indexed Jobs, as Kubernetes counts it: each pod
// carries the failures of its index so far (annotation
// batch.kubernetes.io/job-index-failure-count); an index whose failures pass
// the limit, or whose pod matched a FailIndex rule, fails alone and is not
// retried; each index backs off on its own failures.
import { finishTimeOf } from './job-backoff';
import { matchPodFailurePolicy, PodFailurePolicy } from './pod-failure-policy';
import type { Pod } from './workload-types';

export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';

export function indexOf(pod: Pod): number {
  const v = Number(pod.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION] ?? pod.metadata.labels?.[COMPLETION_INDEX_ANNOTATION]);
  return Number.isInteger(v) ? v : -1;
}

function failuresBefore(pod: Pod): number {
  const v = Number(pod.metadata.annotations?.[INDEX_FAILURE_COUNT_ANNOTATION] ?? 0);
  return Number.isInteger(v) && v > 0 ? v : 0;
}

/** `1,3-5` → [1,3,4,5]. */
export function parseIndexes(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

export class IndexFailures {
  /** Indexes that failed for good. */
  readonly failed: Set<number>;
  private readonly counts = new Map<number, number>();
  private readonly lastFailure = new Map<number, number>();

  constructor(
    private readonly limit: number,
    failedIndexes: string | undefined,
    pods: Pod[],
    policy: PodFailurePolicy | undefined,
    private readonly delay: (failures: number) => number,
    now: number,
  ) {
    this.failed = new Set(parseIndexes(failedIndexes));
    for (const p of pods) {
      if (p.status?.phase !== 'Failed') continue;
      const i = indexOf(p);
      // An ignored failure (podFailurePolicy Ignore) does not count for its index either.
      const n = failuresBefore(p) + (matchPodFailurePolicy(policy, p)?.action === 'Ignore' ? 0 : 1);
      if (i < 0 || n <= (this.counts.get(i) ?? 0)) continue;
      this.counts.set(i, n);
      this.lastFailure.set(i, finishTimeOf(p, now));
    }
  }

  /** A newly failed pod: its index fails for good past the limit, or at once on FailIndex. */
  failedPod(pod: Pod, failIndex: boolean): void {
    const i = indexOf(pod);
    if (i >= 0 && (failIndex || failuresBefore(pod) + 1 > this.limit)) this.failed.add(i);
  }

  /** Failures of the index so far: what its next pod carries. */
  count(index: number): number {
    return this.counts.get(index) ?? 0;
  }

  /** Milliseconds before the index may start another pod. */
  remaining(index: number, now: number): number {
    const n = this.count(index);
    return n === 0 ? 0 : Math.max(0, (this.lastFailure.get(index) ?? 0) + this.delay(n) - now);
  }
}
