// DefaultPreemption (PostFilter): when a pod fits nowhere, find the node where
// evicting the fewest and least important lower-priority pods makes room,
// delete those pods (with their own grace period) and nominate the node in the
// pod's status.nominatedNodeName; the pod is retried when the victims are gone.
// Only nodes rejected as Unschedulable (not Unresolvable: labels, taints) are
// candidates, as in kube-scheduler. Plugins with PreFilter extensions
// (InterPodAffinity, PodTopologySpread) see the victims removed too.
// PodDisruptionBudgets are not consulted.
import { ApiError } from '../../api/errors';
import { findByKind } from '../../api/resources';
import type { Pod } from '../api-types';
import { podUid } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import type { FilterSimulator, FrameworkHandle, PluginFactory, PostFilterPlugin, PostFilterResult } from '../framework/interface';
import { Status } from '../framework/status';
import { NodeInfo, PodInfo } from '../node-info';

export const DEFAULT_PREEMPTION = 'DefaultPreemption';
const PODS = findByKind('v1', 'Pod')!;

export interface Candidate {
  nodeName: string;
  victims: Pod[];
}

const priorityOf = (pod: Pod) => pod.spec.priority ?? 0;

/** Higher priority first, then the older pod (kube-scheduler's MoreImportantPod). */
function moreImportant(a: Pod, b: Pod): number {
  const d = priorityOf(b) - priorityOf(a);
  if (d !== 0) return d;
  return (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '');
}

/** A copy of the node's state without `without`, to try the pod against. */
function simulate(node: NodeInfo, without: ReadonlySet<string>): NodeInfo {
  const copy = new NodeInfo(node.name);
  copy.setNode(node.node!);
  for (const [uid, info] of node.pods) if (!without.has(uid)) copy.addPod(info);
  return copy;
}

/** The fewest victims on `node` that let `pod` fit, or undefined when even removing all lower-priority pods does not help. */
export function selectVictims(pod: Pod, node: NodeInfo, sim: FilterSimulator): Pod[] | undefined {
  const lower: PodInfo[] = [...node.pods.values()].filter((i) => priorityOf(i.pod) < priorityOf(pod));
  if (lower.length === 0) return undefined;
  const state = sim.cloneState();
  const trial = simulate(node, new Set(lower.map((i) => podUid(i.pod))));
  for (const info of lower) sim.removePod(state, info, node);
  if (!sim.filter(state, trial).isSuccess()) return undefined;
  // Give back the most important pods first; those that would block the pod are the victims.
  lower.sort((a, b) => moreImportant(a.pod, b.pod));
  const victims: Pod[] = [];
  for (const info of lower) {
    trial.addPod(info);
    sim.addPod(state, info, node);
    if (!sim.filter(state, trial).isSuccess()) {
      trial.removePod(podUid(info.pod));
      sim.removePod(state, info, node);
      victims.push(info.pod);
    }
  }
  return victims;
}

/** kube-scheduler's pickOneNodeForPreemption, without PDBs: lowest top victim priority, lowest sum, fewest victims. */
export function pickCandidate(candidates: Candidate[]): Candidate | undefined {
  const key = (c: Candidate) => {
    const priorities = c.victims.map(priorityOf);
    return [Math.max(...priorities), priorities.reduce((a, b) => a + b, 0), c.victims.length];
  };
  let best: Candidate | undefined;
  let bestKey: number[] = [];
  for (const c of candidates) {
    const k = key(c);
    const better = !best || k[0] < bestKey[0] || (k[0] === bestKey[0] && (k[1] < bestKey[1] || (k[1] === bestKey[1] && k[2] < bestKey[2])));
    if (better) {
      best = c;
      bestKey = k;
    }
  }
  return best;
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = DEFAULT_PREEMPTION;
  /** Pods that preempted, by uid → node, so they wait for their victims instead of preempting again. */
  private readonly nominated = new Map<string, string>();

  constructor(private readonly handle: FrameworkHandle) {}

  async postFilter(_state: CycleState, pod: Pod, statuses: Map<string, Status>, sim: FilterSimulator): Promise<PostFilterResult> {
    if (pod.spec.preemptionPolicy === 'Never') return { status: Status.unresolvable('not eligible due to preemptionPolicy=Never.') };
    const uid = podUid(pod);
    const nominatedNode = this.nominated.get(uid) ?? pod.status?.nominatedNodeName;
    if (nominatedNode) {
      const node = this.handle.getNode(nominatedNode);
      const stillLeaving = node && [...node.pods.values()].some((i) => i.pod.metadata.deletionTimestamp && priorityOf(i.pod) < priorityOf(pod));
      if (stillLeaving) return { status: Status.unschedulable('waiting for preempted pods to terminate') };
    }
    const candidates: Candidate[] = [];
    for (const [name, status] of statuses) {
      if (status.code !== 'Unschedulable') continue;
      const node = this.handle.getNode(name);
      if (!node) continue;
      const victims = selectVictims(pod, node, sim);
      if (victims && victims.length > 0) candidates.push({ nodeName: name, victims });
    }
    const chosen = pickCandidate(candidates);
    if (!chosen) return { status: Status.unschedulable('No preemption victims found for incoming pod') };
    await this.evict(pod, chosen);
    this.nominated.set(uid, chosen.nodeName);
    if (this.nominated.size > 10_000) this.nominated.delete(this.nominated.keys().next().value as string);
    return { status: Status.SUCCESS, nominatedNodeName: chosen.nodeName };
  }

  private async evict(pod: Pod, chosen: Candidate): Promise<void> {
    const client = this.handle.client;
    if (!client) throw new Error('DefaultPreemption has no API client');
    await Promise.all(
      chosen.victims.map(async (victim) => {
        try {
          await client.delete(PODS, victim.metadata.namespace, victim.metadata.name ?? '', { preconditions: { uid: victim.metadata.uid } });
        } catch (err) {
          if (!(err instanceof ApiError && (err.code === 'NotFound' || err.code === 'Conflict'))) throw err;
        }
      }),
    );
    try {
      await client.patch(PODS, pod.metadata.namespace, pod.metadata.name ?? '', { status: { nominatedNodeName: chosen.nodeName } }, 'application/merge-patch+json', {
        subresource: 'status',
      });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'NotFound')) throw err;
    }
  }
}

export const defaultPreemption: PluginFactory = (_args, handle) => new DefaultPreemption(handle);
