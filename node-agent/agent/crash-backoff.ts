// The kubelet's crash-loop back-off: the first restart is immediate, then 10 s, doubling to 5 min, reset
// once a run lasted 10 min. Derived from the recorded attempts alone, so a restarted agent continues the same schedule.
import type { ContainerAttempt } from './runtime-state';

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** A run at least this long resets the back-off. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

/** How long to wait after `last` stopped before the next attempt (0: at once). */
export function restartDelayMs(last: ContainerAttempt, policy: BackoffPolicy): number {
  const ran = last.startedAt && last.finishedAt ? Date.parse(last.finishedAt) - Date.parse(last.startedAt) : 0;
  if (ran >= policy.resetAfterMs) return 0;
  // Like the kubelet's backoff entry: none before the first failure, then initial, doubling per failure.
  if (last.attempt === 0) return 0;
  return Math.min(policy.initialMs * 2 ** Math.min(last.attempt - 1, 30), policy.maxMs);
}

/** When the container may start again, in ms since the epoch. */
export function restartNotBefore(last: ContainerAttempt, policy: BackoffPolicy): number {
  const finished = last.finishedAt ? Date.parse(last.finishedAt) : 0;
  return finished + restartDelayMs(last, policy);
}
