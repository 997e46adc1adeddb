// The scheduling loop: take the next pod from the queue, run its profile's
// plugins over the cached nodes, assume the best node in the cache at once and
// bind through the API in the background, so the next cycle starts without
// waiting. A pod that fits nowhere gets PodScheduled=False and a
// FailedScheduling event, and waits in the queue for a change that could help.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ApiError } from '../api/errors';
import { findByKind } from '../api/resources';
import type { RestClient } from '../client';
import type { Node, Pod } from './api-types';
import { DEFAULT_SCHEDULER_NAME, isTerminal } from './api-types';
import { SchedulerCache } from './cache';
import type { Clock } from './clock';
import { BindLimiter } from './bind-limiter';
import { EventRecorder } from '../client/event-recorder';
import { findPlacement } from './find-placement';
import type { SchedulerConfig } from './framework/config';
import { CycleState } from './framework/cycle-state';
import { Framework } from './framework/framework';
import type { Registry } from './framework/interface';
import { setPodScheduledFalse } from './pod-conditions';
import { inTreeRegistry } from './plugins/registry';
import { QueuedPod, SchedulingQueue } from './queue';
import { Reflector } from './reflector';

const PODS = findByKind('v1', 'Pod')!;
const NODES = findByKind('v1', 'Node')!;

export interface SchedulerOptions {
  client: RestClient;
  log: (msg: string) => void;
  config?: SchedulerConfig;
  /** Plugins by name; the in-tree ones by default. */
  registry?: Registry;
  clock?: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Bindings sent at once (default 32); more wait, assumed, for a free slot. */
  maxBindingsInFlight?: number;
  /** Called when the apiserver accepted a binding (metrics, benchmarks). */
  onBound?: (pod: Pod, nodeName: string) => void;
}

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  private readonly frameworks = new Map<string, Framework>();
  private readonly nodeReflector: Reflector<Node>;
  private readonly podReflector: Reflector<Pod>;
  private readonly events: EventRecorder;
  private readonly pendingWrites = new Set<Promise<void>>();
  private readonly bindings: BindLimiter;
  private readonly percentageOfNodesToScore: number | undefined;
  private nextStartNodeIndex = 0;
  private loop: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly opts: SchedulerOptions) {
    const registry = opts.registry ?? inTreeRegistry();
    const handle = this.cache.handle(opts.client);
    const profiles = opts.config?.profiles?.length ? opts.config.profiles : [{}];
    for (const profile of profiles) {
      const fw = new Framework(profile, registry, handle);
      if (this.frameworks.has(fw.schedulerName)) throw new Error(`two profiles named ${fw.schedulerName}`);
      this.frameworks.set(fw.schedulerName, fw);
    }
    this.percentageOfNodesToScore = opts.config?.percentageOfNodesToScore;
    this.bindings = new BindLimiter(opts.maxBindingsInFlight ?? 32);
    this.queue = new SchedulingQueue({ clock: opts.clock, initialBackoffMs: opts.initialBackoffMs, maxBackoffMs: opts.maxBackoffMs });
    this.events = new EventRecorder({ client: opts.client, component: [...this.frameworks.keys()][0], log: opts.log });
    this.nodeReflector = new Reflector<Node>(
      opts.client,
      NODES,
      {
        added: (n) => this.onNodeAdded(n),
        modified: (old, n) => this.onNodeModified(old, n),
        deleted: (n) => this.cache.removeNode(n.metadata.name ?? ''),
      },
      { log: opts.log },
    );
    this.podReflector = new Reflector<Pod>(
      opts.client,
      PODS,
      { added: (p) => this.onPodSeen(p), modified: (_old, p) => this.onPodSeen(p), deleted: (p) => this.onPodDeleted(p) },
      { log: opts.log },
    );
  }

  get schedulerNames(): string[] {
    return [...this.frameworks.keys()];
  }

  /** Resolves once nodes and pods are listed and the loop runs. */
  async start(): Promise<void> {
    this.nodeReflector.start();
    await this.nodeReflector.synced;
    this.podReflector.start();
    await this.podReflector.synced;
    if (this.stopping) return;
    this.loop = this.run();
    this.opts.log(`scheduler started (profiles: ${this.schedulerNames.join(', ')})`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.queue.close();
    await Promise.all([this.nodeReflector.stop(), this.podReflector.stop()]);
    await this.loop;
    while (this.pendingWrites.size > 0) await Promise.allSettled([...this.pendingWrites]);
    await this.events.flush();
  }

  // ---- watch events --------------------------------------------------------------

  private responsibleFor(pod: Pod): boolean {
    return this.frameworks.has(pod.spec.schedulerName || DEFAULT_SCHEDULER_NAME);
  }

  private onNodeAdded(node: Node): void {
    this.cache.addOrUpdateNode(node);
    this.queue.moveAllToActive('NodeAdd');
  }

  private onNodeModified(old: Node, node: Node): void {
    this.cache.addOrUpdateNode(node);
    // Heartbeats change only timestamps; retry waiting pods only when something that matters changed.
    if (schedulingRelevant(old) !== schedulingRelevant(node)) this.queue.moveAllToActive('NodeUpdate');
  }

  private onPodSeen(pod: Pod): void {
    if (pod.spec.nodeName) {
      this.queue.delete(pod);
      this.cache.clearNomination(pod);
      if (isTerminal(pod)) {
        // A finished pod frees its node's resources.
        if (this.cache.hasPod(pod)) {
          this.cache.removePod(pod);
          this.queue.moveAllToActive('PodDelete');
        }
      } else {
        const isNew = !this.cache.hasPod(pod);
        this.cache.addOrUpdatePod(pod);
        // A new pod on a node can satisfy waiting pods' pod affinity.
        if (isNew) this.queue.moveAllToActive('AssignedPodAdd', hasPodAffinity);
      }
      return;
    }
    if (!this.responsibleFor(pod) || isTerminal(pod)) return;
    if (pod.metadata.deletionTimestamp) this.queue.delete(pod);
    else this.queue.add(pod);
  }

  private onPodDeleted(pod: Pod): void {
    this.queue.delete(pod);
    this.cache.clearNomination(pod);
    if (pod.spec.nodeName || this.cache.isAssumed(pod)) {
      this.cache.removePod(pod);
      this.queue.moveAllToActive('PodDelete');
    }
  }

  // ---- the loop ---------------------------------------------------------------------

  private async run(): Promise<void> {
    for (;;) {
      const qp = await this.queue.pop();
      if (!qp || this.stopping) return;
      try {
        await this.scheduleOne(qp);
      } catch (err) {
        this.opts.log(`scheduling ${qp.key} failed: ${(err as Error).stack ?? err}`);
        this.queue.requeueFailed(qp, false);
      }
      // Let watch events and binding replies in between cycles.
      await yieldToEventLoop();
    }
  }

  private async scheduleOne(qp: QueuedPod): Promise<void> {
    const pod = qp.pod;
    const fw = this.frameworks.get(pod.spec.schedulerName || DEFAULT_SCHEDULER_NAME);
    if (!fw || pod.spec.nodeName || pod.metadata.deletionTimestamp || this.cache.isAssumed(pod)) {
      this.queue.done(qp);
      return;
    }
    const nodes = this.cache.nodes();
    const state = new CycleState();
    const result = findPlacement(fw, state, pod, nodes, {
      percentageOfNodesToScore: this.percentageOfNodesToScore,
      startIndex: this.nextStartNodeIndex,
      nominatedPods: this.cache.hasNominations() ? (node, p) => this.cache.nominatedPods(node, p.spec.priority ?? 0, p) : undefined,
    });
    if (nodes.length > 0) this.nextStartNodeIndex = (this.nextStartNodeIndex + result.scanned) % nodes.length;

    if (result.kind === 'unschedulable') {
      if (fw.postFilters.length > 0 && result.statuses.size > 0) {
        // Preemption: evicts lower-priority pods; this pod is retried once they are gone.
        const post = await fw.runPostFilter(state, pod, result.statuses, result.skip);
        if (post.status.isSuccess() && post.nominatedNodeName) {
          this.cache.nominate(pod, post.nominatedNodeName);
          this.opts.log(`${qp.key}: preempted pods on ${post.nominatedNodeName}`);
        }
        else if (post.status.code === 'Error') this.opts.log(`${qp.key}: preemption failed: ${post.status.message()}`);
      }
      this.recordFailure(qp, true, result.message);
      return;
    }
    if (result.kind === 'error') {
      this.recordFailure(qp, false, `running ${result.status.plugin ?? 'a'} plugin: ${result.status.message()}`, 'SchedulerError');
      return;
    }
    this.cache.assumePod(pod, result.nodeName);
    this.cache.clearNomination(pod);
    const reserved = fw.runReserve(state, pod, result.nodeName);
    if (!reserved.isSuccess()) {
      this.cache.forgetPod(pod);
      this.recordFailure(qp, reserved.isRejected(), reserved.message());
      return;
    }
    this.queue.done(qp);
    this.track(this.bindings.run(() => this.bind(fw, state, qp, result.nodeName)));
  }

  private async bind(fw: Framework, state: CycleState, qp: QueuedPod, nodeName: string): Promise<void> {
    const status = await fw.runBind(state, qp.pod, nodeName);
    if (status.isSuccess()) {
      this.opts.onBound?.(qp.pod, nodeName);
      return;
    }
    this.cache.forgetPod(qp.pod);
    fw.runUnreserve(state, qp.pod, nodeName);
    const cause = status.cause;
    if (cause instanceof ApiError && (cause.code === 'Conflict' || cause.code === 'NotFound')) {
      // Already bound (by another scheduler) or deleted: the watch will tell.
      this.opts.log(`binding ${qp.key} to ${nodeName}: ${cause.message}`);
      return;
    }
    this.opts.log(`binding ${qp.key} to ${nodeName} failed, retrying: ${status.message()}`);
    // The assumed pod's resources are free again.
    this.queue.moveAllToActive('PodDelete');
    if (!this.stopping) this.queue.retryAfterError(qp);
  }

  private recordFailure(qp: QueuedPod, unschedulable: boolean, message: string, reason = 'Unschedulable'): void {
    this.queue.requeueFailed(qp, unschedulable);
    const pod = qp.pod;
    this.track(
      setPodScheduledFalse(this.opts.client, pod, message, reason).catch((err: Error) =>
        this.opts.log(`updating PodScheduled of ${qp.key}: ${err.message}`),
      ),
    );
    this.track(this.events.record({ ...pod, apiVersion: 'v1', kind: 'Pod' }, 'Warning', 'FailedScheduling', message));
  }

  private track(p: Promise<void>): void {
    this.pendingWrites.add(p);
    void p.finally(() => this.pendingWrites.delete(p));
  }
}

function hasPodAffinity(pod: Pod): boolean {
  return !!pod.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length;
}

/** The parts of a Node whose change can make a waiting pod fit. */
function schedulingRelevant(node: Node): string {
  return JSON.stringify([
    node.metadata.labels,
    node.spec,
    node.status?.allocatable,
    node.status?.conditions?.map((c) => [c.type, c.status]),
    node.status?.images?.length,
  ]);
}
