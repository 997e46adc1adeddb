// One small interface per extension point, after kube-scheduler's
// framework/interface.go. A plugin implements the points it needs.
import type { RestClient } from '../../client/rest-client';
import type { Pod } from '../api-types';
import type { NodeInfo, PodInfo } from '../node-info';
import type { CycleState } from './cycle-state';
import type { Status } from './status';

export const MAX_NODE_SCORE = 100;

/** What plugins may read about the cluster and use to act on it. */
export interface FrameworkHandle {
  nodes(): readonly NodeInfo[];
  getNode(name: string): NodeInfo | undefined;
  nodesWithImage(image: string): number;
  /** How many bound or assumed pods have pod (anti-)affinity terms, so plugins can skip looking. */
  podsWithAffinity(): number;
  /** Absent in unit tests that never bind. */
  client?: RestClient;
}

export interface Plugin {
  readonly name: string;
}

export interface PreFilterPlugin extends Plugin {
  /** Once per cycle; Skip means this plugin's Filter has nothing to check for this pod. */
  preFilter(state: CycleState, pod: Pod): Status;
  /**
   * PreFilter extensions (kube-scheduler's AddPod/RemovePod): update what
   * preFilter wrote as if `other` were added to or removed from `node`, so
   * preemption can try evicting pods. Plugins whose state does not depend on
   * other pods leave them out.
   */
  addPod?(state: CycleState, pod: Pod, other: PodInfo, node: NodeInfo): void;
  removePod?(state: CycleState, pod: Pod, other: PodInfo, node: NodeInfo): void;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: Pod, node: NodeInfo): Status;
}

export interface PostFilterResult {
  status: Status;
  nominatedNodeName?: string;
}

/** Tries the cycle's pod on simulated nodes, for preemption. */
export interface FilterSimulator {
  /** A copy of the cycle state that simulations may change. */
  cloneState(): CycleState;
  filter(state: CycleState, node: NodeInfo): Status;
  addPod(state: CycleState, other: PodInfo, node: NodeInfo): void;
  removePod(state: CycleState, other: PodInfo, node: NodeInfo): void;
}

export interface PostFilterPlugin extends Plugin {
  /** Runs when no node fits (preemption); `statuses` holds each node's rejection. */
  postFilter(state: CycleState, pod: Pod, statuses: Map<string, Status>, sim: FilterSimulator): Promise<PostFilterResult>;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status;
}

export interface NodeScore {
  name: string;
  score: number;
}

export interface ScorePlugin extends Plugin {
  /** 0..MAX_NODE_SCORE, or any number when normalizeScores maps it into that range. */
  score(state: CycleState, pod: Pod, node: NodeInfo): number;
  normalizeScores?(state: CycleState, pod: Pod, scores: NodeScore[]): void;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: Pod, nodeName: string): Status;
  /** Undoes reserve; must be idempotent and safe when reserve never ran. */
  unreserve(state: CycleState, pod: Pod, nodeName: string): void;
}

export interface BindPlugin extends Plugin {
  /** Skip lets the next bind plugin handle the pod. */
  bind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}

export type PluginFactory = (args: Record<string, unknown>, handle: FrameworkHandle) => Plugin;

/** Plugin name → factory: the whole registry. */
export type Registry = Map<string, PluginFactory>;

export function isPreFilter(p: Plugin): p is PreFilterPlugin {
  return typeof (p as PreFilterPlugin).preFilter === 'function';
}
export function isFilter(p: Plugin): p is FilterPlugin {
  return typeof (p as FilterPlugin).filter === 'function';
}
export function isPostFilter(p: Plugin): p is PostFilterPlugin {
  return typeof (p as PostFilterPlugin).postFilter === 'function';
}
export function isPreScore(p: Plugin): p is PreScorePlugin {
  return typeof (p as PreScorePlugin).preScore === 'function';
}
export function isScore(p: Plugin): p is ScorePlugin {
  return typeof (p as ScorePlugin).score === 'function';
}
export function isReserve(p: Plugin): p is ReservePlugin {
  return typeof (p as ReservePlugin).reserve === 'function';
}
export function isBind(p: Plugin): p is BindPlugin {
  return typeof (p as BindPlugin).bind === 'function';
}

/** kube-scheduler's DefaultNormalizeScore: scale to 0..max by the highest score, optionally reversed. */
export function defaultNormalizeScore(scores: NodeScore[], reverse: boolean, max = MAX_NODE_SCORE): void {
  let highest = 0;
  for (const s of scores) if (s.score > highest) highest = s.score;
  if (highest === 0) {
    if (reverse) for (const s of scores) s.score = max;
    return;
  }
  for (const s of scores) {
    const scaled = Math.floor((max * s.score) / highest);
    s.score = reverse ? max - scaled : scaled;
  }
}
