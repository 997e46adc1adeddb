// PodTopologySpread (kube-scheduler plugins/podtopologyspread): pods matching
// a constraint's labelSelector are counted per topology domain (the nodes
// that share a value of topologyKey and pass the pod's node affinity);
// DoNotSchedule constraints Filter out domains where placing the pod would
// make (count + 1 − global minimum) exceed maxSkew, with minDomains treating
// the minimum as 0 while too few domains exist; ScheduleAnyway constraints
// Score emptier domains higher.
import type { Pod, TopologySpreadConstraint } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import type { FilterPlugin, FrameworkHandle, NodeScore, PluginFactory, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/interface';
import { MAX_NODE_SCORE } from '../framework/interface';
import { Status } from '../framework/status';
import type { NodeInfo, PodInfo } from '../node-info';
import { matches } from '../../api/labels';
import { anyTermMatches } from './node-selector';
import { isTerminating, selectorOf, topologyValue } from './pod-affinity-terms';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const REASON_SPREAD = "node(s) didn't match pod topology spread constraints";
export const REASON_SPREAD_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";

interface ConstraintCounts {
  c: TopologySpreadConstraint;
  selfMatch: number;
  /** Matching pods per domain value, over eligible nodes. */
  counts: Map<string, number>;
  /** The smallest count over the domains (0 when fewer than minDomains exist). */
  minMatch: number;
}

function eligible(pod: Pod, node: NodeInfo, keys: string[]): boolean {
  const n = node.node;
  if (!n) return false;
  const labels = n.metadata.labels ?? {};
  if (!keys.every((k) => Object.prototype.hasOwnProperty.call(labels, k))) return false;
  // nodeAffinityPolicy Honor: only nodes the pod could go to form domains.
  for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return required === undefined || anyTermMatches(required, n);
}

function countMatching(pod: Pod, constraints: TopologySpreadConstraint[], nodes: readonly NodeInfo[]): ConstraintCounts[] {
  const keys = constraints.map((c) => c.topologyKey);
  const out = constraints.map((c) => ({
    c,
    selfMatch: matches(selectorOf(c.labelSelector), pod.metadata.labels) ? 1 : 0,
    counts: new Map<string, number>(),
    minMatch: 0,
  }));
  const ns = pod.metadata.namespace;
  for (const node of nodes) {
    if (!eligible(pod, node, keys)) continue;
    for (const cc of out) {
      const value = topologyValue(node.node, cc.c.topologyKey)!;
      let n = cc.counts.get(value) ?? 0;
      const selector = selectorOf(cc.c.labelSelector);
      for (const info of node.pods.values()) {
        if (info.pod.metadata.namespace === ns && !isTerminating(info.pod) && matches(selector, info.pod.metadata.labels)) n++;
      }
      cc.counts.set(value, n);
    }
  }
  for (const cc of out) updateMinMatch(cc);
  return out;
}

function updateMinMatch(cc: ConstraintCounts): void {
  const domains = cc.counts.size;
  cc.minMatch = domains === 0 || domains < (cc.c.minDomains ?? 1) ? 0 : Math.min(...cc.counts.values());
}

/** The constraints' counts as PreFilter state: cloneable, and updatable for preemption's simulations. */
class SpreadState {
  constructor(readonly constraints: ConstraintCounts[]) {}

  clone(): SpreadState {
    return new SpreadState(this.constraints.map((cc) => ({ ...cc, counts: new Map(cc.counts) })));
  }

  update(pod: Pod, other: PodInfo, node: NodeInfo, sign: number): void {
    if (other.pod.metadata.namespace !== pod.metadata.namespace || isTerminating(other.pod)) return;
    if (!eligible(pod, node, this.constraints.map((cc) => cc.c.topologyKey))) return;
    for (const cc of this.constraints) {
      if (!matches(selectorOf(cc.c.labelSelector), other.pod.metadata.labels)) continue;
      const value = topologyValue(node.node, cc.c.topologyKey)!;
      cc.counts.set(value, (cc.counts.get(value) ?? 0) + sign);
      updateMinMatch(cc);
    }
  }
}

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = POD_TOPOLOGY_SPREAD;
  private readonly stateKey = `PreFilter${POD_TOPOLOGY_SPREAD}`;
  private readonly scoreKey = `PreScore${POD_TOPOLOGY_SPREAD}`;

  constructor(private readonly handle: FrameworkHandle) {}

  preFilter(state: CycleState, pod: Pod): Status {
    const hard = (pod.spec.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable !== 'ScheduleAnyway');
    if (hard.length === 0) return Status.SKIP;
    state.write(this.stateKey, new SpreadState(countMatching(pod, hard, this.handle.nodes())));
    return Status.SUCCESS;
  }

  addPod(state: CycleState, pod: Pod, other: PodInfo, node: NodeInfo): void {
    state.read<SpreadState>(this.stateKey)?.update(pod, other, node, 1);
  }

  removePod(state: CycleState, pod: Pod, other: PodInfo, node: NodeInfo): void {
    state.read<SpreadState>(this.stateKey)?.update(pod, other, node, -1);
  }

  filter(state: CycleState, _pod: Pod, node: NodeInfo): Status {
    for (const cc of state.require<SpreadState>(this.stateKey).constraints) {
      const value = topologyValue(node.node, cc.c.topologyKey);
      if (value === undefined) return Status.unresolvable(REASON_SPREAD_MISSING_LABEL);
      const skew = (cc.counts.get(value) ?? 0) + cc.selfMatch - cc.minMatch;
      if (skew > cc.c.maxSkew) return Status.unschedulable(REASON_SPREAD);
    }
    return Status.SUCCESS;
  }

  preScore(state: CycleState, pod: Pod): Status {
    const soft = (pod.spec.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'ScheduleAnyway');
    if (soft.length === 0) return Status.SKIP;
    state.write(this.scoreKey, countMatching(pod, soft, this.handle.nodes()));
    return Status.SUCCESS;
  }

  /** Matching pods in the node's domains weighted by log(domains + 2), plus maxSkew − 1, as kube-scheduler; -1 when a key is missing. */
  score(state: CycleState, _pod: Pod, node: NodeInfo): number {
    const counts = state.read<ConstraintCounts[]>(this.scoreKey);
    if (!counts) return 0;
    let total = 0;
    for (const cc of counts) {
      const value = topologyValue(node.node, cc.c.topologyKey);
      if (value === undefined) return -1;
      total += (cc.counts.get(value) ?? 0) * Math.log(cc.counts.size + 2) + (cc.c.maxSkew - 1);
    }
    return Math.round(total);
  }

  /** Fewer matching pods score higher; nodes missing a key score 0. */
  normalizeScores(state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    if (!state.read(this.scoreKey)) return;
    let min = Infinity;
    let max = 0;
    for (const s of scores) {
      if (s.score < 0) continue;
      min = Math.min(min, s.score);
      max = Math.max(max, s.score);
    }
    for (const s of scores) {
      if (s.score < 0) s.score = 0;
      else if (max === 0) s.score = MAX_NODE_SCORE;
      else s.score = Math.floor((MAX_NODE_SCORE * (max + min - s.score)) / max);
    }
  }
}

export const podTopologySpread: PluginFactory = (_args, handle) => new PodTopologySpread(handle);
