// The Job controller's pod-failure back-off, as Kubernetes keeps it: per Job,
// the failures since the last success and when the last one happened; a new
// pod waits 10 s × 2^(failures−1) after that failure, at most 6 minutes. Kept
// in memory like Kubernetes' backoffRecordStore: a restarted controller starts
// with no back-off.
import type { Pod } from './workload-types';

export const BASE_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 6 * 60_000;

interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime: number;
  /** Pods already taken into account: a retried pass never counts one twice. */
  seen: Set<string>;
}

/** The delay after `failures` consecutive failures. */
export function backoffDelay(failures: number, baseMs = BASE_BACKOFF_MS, maxMs = MAX_BACKOFF_MS): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
}

/** When a pod finished: its containers' latest finishedAt, else `now` (when we saw it). */
export function finishTimeOf(pod: Pod, now: number): number {
  const status = pod.status as { containerStatuses?: Array<{ state?: { terminated?: { finishedAt?: string } } }> } | undefined;
  let latest: number | undefined;
  for (const cs of status?.containerStatuses ?? []) {
    const t = Date.parse(cs.state?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(t) && (latest === undefined || t > latest)) latest = t;
  }
  return latest ?? now;
}

export class JobBackoff {
  private readonly records = new Map<string, BackoffRecord>();

  constructor(
    private readonly baseMs = BASE_BACKOFF_MS,
    private readonly maxMs = MAX_BACKOFF_MS,
  ) {}

  /** Takes newly finished pods into account (Kubernetes' newBackoffRecord). */
  observe(key: string, succeeded: Pod[], failed: Pod[], now: number): void {
    const r = this.records.get(key) ?? { failuresAfterLastSuccess: 0, lastFailureTime: 0, seen: new Set<string>() };
    const fresh = (pods: Pod[]) => pods.filter((p) => !r.seen.has(p.metadata.uid!));
    const newSucceeded = fresh(succeeded);
    const newFailed = fresh(failed);
    for (const p of [...newSucceeded, ...newFailed]) r.seen.add(p.metadata.uid!);
    const failTimes = newFailed.map((p) => finishTimeOf(p, now));
    if (newSucceeded.length > 0) {
      // A success resets the count to the failures that came after it.
      const lastSuccess = Math.max(...newSucceeded.map((p) => finishTimeOf(p, now)));
      const after = failTimes.filter((t) => t > lastSuccess);
      r.failuresAfterLastSuccess = after.length;
      r.lastFailureTime = after.length ? Math.max(...after) : 0;
    } else if (failTimes.length > 0) {
      r.failuresAfterLastSuccess += failTimes.length;
      r.lastFailureTime = Math.max(r.lastFailureTime, ...failTimes);
    }
    this.records.set(key, r);
  }

  /** Milliseconds before the Job may start another pod; 0 when it may now. */
  remaining(key: string, now: number): number {
    const r = this.records.get(key);
    if (!r || r.failuresAfterLastSuccess === 0) return 0;
    return Math.max(0, r.lastFailureTime + backoffDelay(r.failuresAfterLastSuccess, this.baseMs, this.maxMs) - now);
  }

  /** The delay after `failures` failures, with this store's base and cap. */
  delay(failures: number): number {
    return backoffDelay(failures, this.baseMs, this.maxMs);
  }

  failures(key: string): number {
    return this.records.get(key)?.failuresAfterLastSuccess ?? 0;
  }

  delete(key: string): void {
    this.records.delete(key);
  }
}
