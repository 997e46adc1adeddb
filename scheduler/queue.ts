// The scheduling queue, after kube-scheduler's PriorityQueue: an active heap
// (higher spec.priority first, then earlier arrival), a back-off heap (1 s
// doubling to 10 s per failed attempt) and an unschedulable set whose pods come
// back when a cluster event could help them (a node added or changed, a pod
// deleted), or after five minutes in any case.
import type { Pod } from './api-types';
import { podKey } from './api-types';
import { Clock, realClock } from './clock';
import { KeyedHeap } from './heap';

export interface QueuedPod {
  pod: Pod;
  key: string;
  /** When the pod last entered the queue; orders equal priorities and starts back-off. */
  timestamp: number;
  /** Scheduling attempts so far (incremented on pop). */
  attempts: number;
  /** The scheduling cycle of its last pop. */
  cycle: number;
}

export interface QueueOptions {
  clock?: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a pod may wait as unschedulable before it is retried anyway. */
  maxUnschedulableMs?: number;
}

export type ClusterEvent = 'NodeAdd' | 'NodeUpdate' | 'PodDelete' | 'AssignedPodAdd' | 'Resync';

type Waiter = (qp: QueuedPod | undefined) => void;

const UNSCHEDULABLE_FLUSH_MS = 30_000;

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;
  private readonly active = new KeyedHeap<QueuedPod>((a, b) => {
    const pa = a.pod.spec.priority ?? 0;
    const pb = b.pod.spec.priority ?? 0;
    return pa !== pb ? pa > pb : a.timestamp < b.timestamp;
  });
  private readonly backoff = new KeyedHeap<QueuedPod>((a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  private readonly unschedulable = new Map<string, QueuedPod>();
  /** Popped and not yet done: the latest object seen, and whether its spec changed meanwhile. */
  private readonly inFlight = new Map<string, { pod: Pod; updated: boolean }>();
  private waiters: Waiter[] = [];
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private cancelBackoffTimer: (() => void) | undefined;
  private backoffTimerAt = Infinity;
  private readonly cancelFlushTimer: () => void;
  private closed = false;

  constructor(opts: QueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 5 * 60_000;
    this.cancelFlushTimer = this.armFlushTimer();
  }

  /** A new pod waiting for a node. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.closed || this.inFlight.has(key)) return this.update(pod);
    if (this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key)) return this.update(pod);
    this.pushActive({ pod, key, timestamp: this.clock.now(), attempts: 0, cycle: 0 });
  }

  /** A newer version of a pending pod; a changed spec or labels give an unschedulable pod another try. */
  update(pod: Pod): void {
    if (this.closed) return;
    const key = podKey(pod);
    const flight = this.inFlight.get(key);
    if (flight) {
      flight.updated ||= specChanged(flight.pod, pod);
      flight.pod = pod;
      return;
    }
    const inActive = this.active.get(key);
    if (inActive) return this.active.set(key, { ...inActive, pod });
    const inBackoff = this.backoff.get(key);
    if (inBackoff) {
      this.backoff.set(key, { ...inBackoff, pod });
      return;
    }
    const waiting = this.unschedulable.get(key);
    if (waiting) {
      if (!specChanged(waiting.pod, pod)) {
        waiting.pod = pod;
        return;
      }
      this.unschedulable.delete(key);
      return this.requeue({ ...waiting, pod });
    }
    this.pushActive({ pod, key, timestamp: this.clock.now(), attempts: 0, cycle: 0 });
  }

  /** The pod was deleted or bound elsewhere: forget it everywhere. */
  delete(pod: Pod): void {
    const key = podKey(pod);
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
    this.armBackoffTimer();
  }

  /** The next pod to schedule, waiting for one; undefined once the queue is closed. */
  pop(): Promise<QueuedPod | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const next = this.takeActive();
    if (next) return Promise.resolve(next);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The popped pod was placed (assumed); stop tracking it. */
  done(qp: QueuedPod): void {
    this.inFlight.delete(qp.key);
  }

  /**
   * The popped pod could not be placed. Unschedulable pods wait for a cluster
   * event, unless one already happened during their cycle; errors back off.
   */
  requeueFailed(qp: QueuedPod, unschedulable: boolean): void {
    const flight = this.inFlight.get(qp.key);
    if (!flight) return; // deleted or bound meanwhile
    this.inFlight.delete(qp.key);
    if (this.closed) return;
    const next: QueuedPod = { ...qp, pod: flight.pod, timestamp: this.clock.now() };
    if (unschedulable && !flight.updated && this.moveRequestCycle < qp.cycle) {
      this.unschedulable.set(qp.key, next);
    } else {
      this.requeue(next);
    }
  }

  /** A pod already marked done (its binding failed): back off, unless it is queued again meanwhile. */
  retryAfterError(qp: QueuedPod): void {
    if (this.closed || this.has(qp.key)) return;
    this.requeue({ ...qp, timestamp: this.clock.now() });
  }

  /** Something changed that may let waiting pods fit: retry the unschedulable pods `which` selects (all by default). */
  moveAllToActive(_event: ClusterEvent, which?: (pod: Pod) => boolean): void {
    for (const [key, qp] of this.unschedulable) {
      if (which && !which(qp.pod)) continue;
      this.unschedulable.delete(key);
      this.requeue(qp);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  /** Counts per set, for tests and metrics. */
  stats(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  has(key: string): boolean {
    return this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key) || this.inFlight.has(key);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelBackoffTimer?.();
    this.cancelFlushTimer();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(undefined);
  }

  backoffDurationMs(attempts: number): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts && d < this.maxBackoffMs; i++) d *= 2;
    return Math.min(d, this.maxBackoffMs);
  }

  // ---- internals --------------------------------------------------------------

  private backoffExpiry(qp: QueuedPod): number {
    return qp.timestamp + this.backoffDurationMs(qp.attempts);
  }

  /** To back-off while its back-off lasts, else straight to active. */
  private requeue(qp: QueuedPod): void {
    if (qp.attempts > 0 && this.backoffExpiry(qp) > this.clock.now()) {
      this.backoff.set(qp.key, qp);
      this.armBackoffTimer();
    } else {
      this.pushActive(qp);
    }
  }

  private pushActive(qp: QueuedPod): void {
    this.active.set(qp.key, qp);
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    while (this.waiters.length > 0 && this.active.size > 0) this.waiters.shift()!(this.takeActive());
  }

  private takeActive(): QueuedPod | undefined {
    const qp = this.active.pop();
    return qp && this.markInFlight(qp);
  }

  private markInFlight(qp: QueuedPod): QueuedPod {
    this.schedulingCycle++;
    const popped = { ...qp, attempts: qp.attempts + 1, cycle: this.schedulingCycle };
    this.inFlight.set(qp.key, { pod: qp.pod, updated: false });
    return popped;
  }

  private flushBackoff(): void {
    const now = this.clock.now();
    for (;;) {
      const top = this.backoff.peek();
      if (!top || this.backoffExpiry(top) > now) break;
      this.backoff.pop();
      this.pushActive(top);
    }
    this.armBackoffTimer();
  }

  /** One timer, at the earliest back-off expiry. */
  private armBackoffTimer(): void {
    const top = this.backoff.peek();
    const at = top ? this.backoffExpiry(top) : Infinity;
    if (at === this.backoffTimerAt) return;
    this.cancelBackoffTimer?.();
    this.cancelBackoffTimer = undefined;
    this.backoffTimerAt = at;
    if (at === Infinity || this.closed) return;
    this.cancelBackoffTimer = this.clock.setTimer(() => {
      this.backoffTimerAt = Infinity;
      this.cancelBackoffTimer = undefined;
      this.flushBackoff();
    }, Math.max(0, at - this.clock.now()));
  }

  private armFlushTimer(): () => void {
    let cancel = () => {};
    const tick = () => {
      const now = this.clock.now();
      for (const [key, qp] of this.unschedulable) {
        if (now - qp.timestamp >= this.maxUnschedulableMs) {
          this.unschedulable.delete(key);
          this.requeue(qp);
        }
      }
      if (!this.closed) cancel = this.clock.setTimer(tick, UNSCHEDULABLE_FLUSH_MS);
    };
    cancel = this.clock.setTimer(tick, UNSCHEDULABLE_FLUSH_MS);
    return () => cancel();
  }
}

/** Changes that could alter a scheduling decision: not status, resourceVersion or managedFields. */
function specChanged(a: Pod, b: Pod): boolean {
  return (
    JSON.stringify(a.spec) !== JSON.stringify(b.spec) ||
    JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {}) ||
    JSON.stringify(a.metadata.annotations ?? {}) !== JSON.stringify(b.metadata.annotations ?? {})
  );
}
