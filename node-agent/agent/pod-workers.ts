// One async loop per pod UID (pkg/kubelet/pod_workers.go): a single pending update where the latest wins,
// explicit phases sync → terminating → terminated, and every step retried until it succeeds.
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Pod } from './pod-types';

export type WorkerPhase = 'sync' | 'terminating' | 'terminated';

export interface PodUpdate {
  pod: Pod;
  /** The pod is gone from the API (or from this node): stop it at once, there is nothing to confirm. */
  gone?: boolean;
}

export interface PodWorkerHandlers {
  /** Makes the pod's containers match its spec; may ask to be called again at wakeAt (ms since the epoch). */
  syncPod(pod: Pod, signal: AbortSignal): Promise<{ wakeAt?: number }>;
  /** Stops every container of the pod (grace period, then kill). */
  terminatePod(pod: Pod, gone: boolean, signal: AbortSignal): Promise<void>;
  /** Removes what is left of the pod and confirms its deletion. */
  cleanupPod(pod: Pod, gone: boolean, signal: AbortSignal): Promise<void>;
  onError?(uid: string, phase: WorkerPhase, err: unknown): void;
  /** Receives the way to sync a pod again from outside a step (a probe result that needs action). */
  bind?(resync: (uid: string) => void): void;
  /** Called once every loop has ended (stops background work such as probes). */
  stop?(): void;
}

export interface PodWorkersOptions {
  /** First delay before a failed step is retried; doubles up to maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

interface Worker {
  uid: string;
  phase: WorkerPhase;
  pod: Pod;
  gone: boolean;
  pending: boolean;
  loop?: Promise<void>;
  wakeTimer?: NodeJS.Timeout;
  /** Wakes a retry sleep early when a new update arrives. */
  nudge?: AbortController;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  /** UIDs whose worker finished: a pod UID never comes back, so late updates are dropped. */
  private readonly finished = new Set<string>();
  private readonly stopping = new AbortController();

  constructor(private readonly handlers: PodWorkerHandlers, private readonly opts: PodWorkersOptions = {}) {
    handlers.bind?.((uid) => this.resync(uid));
  }

  /** Queues the pod's latest state; a deleted (deletionTimestamp) or gone pod moves the worker to terminating. */
  update(u: PodUpdate): void {
    const uid = u.pod.metadata.uid;
    if (!uid || this.finished.has(uid) || this.stopping.signal.aborted) return;
    let w = this.workers.get(uid);
    if (!w) {
      w = { uid, phase: 'sync', pod: u.pod, gone: false, pending: false };
      this.workers.set(uid, w);
    }
    // The echo of our own status report (the kubelet's config source does the same): keep the newest
    // object, but a sync would find nothing to do; at 10 pods/s it would be a third of all syncs.
    if (w.phase === 'sync' && !u.gone && !u.pod.metadata.deletionTimestamp && w.pod !== u.pod && differsOnlyInStatus(w.pod, u.pod)) {
      w.pod = u.pod;
      return;
    }
    w.pod = u.pod;
    w.gone ||= u.gone === true;
    if (w.phase === 'sync' && (w.gone || u.pod.metadata.deletionTimestamp)) w.phase = 'terminating';
    // A terminated worker is only cleaning up: it retries on its own and needs no further updates.
    if (w.phase === 'terminated') return;
    w.pending = true;
    w.nudge?.abort();
    if (!w.loop) w.loop = this.run(w);
  }

  /** Syncs the pod again (e.g. after the relist saw a container change), if it has a worker. */
  resync(uid: string): void {
    const w = this.workers.get(uid);
    if (w) this.update({ pod: w.pod });
  }

  phaseOf(uid: string): WorkerPhase | undefined {
    return this.finished.has(uid) ? 'terminated' : this.workers.get(uid)?.phase;
  }

  knownPods(): Pod[] {
    return [...this.workers.values()].map((w) => w.pod);
  }

  /** Ends every loop after its current step (steps see the abort signal). */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const w of this.workers.values()) {
      clearTimeout(w.wakeTimer);
      w.nudge?.abort();
    }
    await Promise.all([...this.workers.values()].map((w) => w.loop));
    this.handlers.stop?.();
  }

  private async run(w: Worker): Promise<void> {
    let delay = this.opts.retryDelayMs ?? 1000;
    const signal = this.stopping.signal;
    // A finished worker (cleaned up) ignores updates that arrived during its last step.
    while (w.pending && !signal.aborted && !this.finished.has(w.uid)) {
      w.pending = false;
      const phase = w.phase;
      try {
        await this.step(w, signal);
        delay = this.opts.retryDelayMs ?? 1000;
      } catch (err) {
        if (signal.aborted) break;
        this.handlers.onError?.(w.uid, phase, err);
        w.pending = true; // retry the step (with the latest pod, if one came meanwhile)
        w.nudge = new AbortController();
        await sleep(delay, undefined, { signal: AbortSignal.any([signal, w.nudge.signal]) }).catch(() => undefined);
        w.nudge = undefined;
        delay = Math.min(delay * 2, this.opts.maxRetryDelayMs ?? 30_000);
      }
    }
    w.loop = undefined;
    if (w.pending && !signal.aborted && !this.finished.has(w.uid)) w.loop = this.run(w);
  }

  private async step(w: Worker, signal: AbortSignal): Promise<void> {
    if (w.phase === 'sync') {
      clearTimeout(w.wakeTimer);
      const { wakeAt } = await this.handlers.syncPod(w.pod, signal);
      if (wakeAt !== undefined && w.phase === 'sync') {
        w.wakeTimer = setTimeout(() => this.resync(w.uid), Math.max(0, wakeAt - Date.now()));
      }
      return;
    }
    clearTimeout(w.wakeTimer);
    if (w.phase === 'terminating') {
      await this.handlers.terminatePod(w.pod, w.gone, signal);
      w.phase = 'terminated';
    }
    await this.handlers.cleanupPod(w.pod, w.gone, signal);
    this.workers.delete(w.uid);
    this.finished.add(w.uid);
  }
}

/** Same spec and metadata, apart from what every write changes (resourceVersion, managedFields). */
export function differsOnlyInStatus(a: Pod, b: Pod): boolean {
  const bookkeeping = ({ resourceVersion: _rv, managedFields: _mf, ...rest }: Pod['metadata'] & { managedFields?: unknown }) => rest;
  return isDeepStrictEqual(a.spec, b.spec) && isDeepStrictEqual(bookkeeping(a.metadata), bookkeeping(b.metadata));
}
