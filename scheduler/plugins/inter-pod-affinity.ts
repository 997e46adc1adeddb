// InterPodAffinity (kube-scheduler plugins/interpodaffinity): Filter by the
// incoming pod's required affinity and anti-affinity, and by existing pods'
// required anti-affinity against it, per topology domain (nodes sharing the
// value of the term's topologyKey); Score by preferred terms both ways.
import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import type { FilterPlugin, FrameworkHandle, NodeScore, PluginFactory, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/interface';
import { MAX_NODE_SCORE } from '../framework/interface';
import { Status } from '../framework/status';
import type { NodeInfo, PodInfo } from '../node-info';
import { isTerminating, termMatchesPod, topologyValue } from './pod-affinity-terms';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

/** Counts per topology pair `key\0value`. */
type PairCounts = Map<string, number>;

class PreFilterState {
  constructor(
    readonly affinity: PodAffinityTerm[],
    readonly antiAffinity: PodAffinityTerm[],
    /** Pairs where an existing pod matching all affinity terms runs. */
    readonly affinityCounts: PairCounts = new Map(),
    readonly antiAffinityCounts: PairCounts = new Map(),
    /** Pairs where an existing pod's required anti-affinity rejects the incoming pod. */
    readonly existingAntiAffinityCounts: PairCounts = new Map(),
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(this.affinity, this.antiAffinity, new Map(this.affinityCounts), new Map(this.antiAffinityCounts), new Map(this.existingAntiAffinityCounts));
  }

  /** Counts `other` on `node` in (sign 1) or out (sign −1). */
  update(pod: Pod, other: PodInfo, node: NodeInfo, sign: number): void {
    if (isTerminating(other.pod)) return;
    if (other.hasRequiredAntiAffinity) {
      for (const term of other.pod.spec.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution!) {
        const v = topologyValue(node.node, term.topologyKey);
        if (v !== undefined && termMatchesPod(term, other.pod, pod)) bump(this.existingAntiAffinityCounts, pair(term.topologyKey, v), sign);
      }
    }
    if (this.affinity.length > 0 && this.affinity.every((t) => termMatchesPod(t, pod, other.pod))) {
      for (const t of this.affinity) {
        const v = topologyValue(node.node, t.topologyKey);
        if (v !== undefined) bump(this.affinityCounts, pair(t.topologyKey, v), sign);
      }
    }
    for (const t of this.antiAffinity) {
      const v = topologyValue(node.node, t.topologyKey);
      if (v !== undefined && termMatchesPod(t, pod, other.pod)) bump(this.antiAffinityCounts, pair(t.topologyKey, v), sign);
    }
  }
}

const pair = (key: string, value: string) => `${key}\u0000${value}`;
/** Adds to a pair's count, dropping pairs that reach 0 (so `size` means "some pod counted"). */
const bump = (m: PairCounts, k: string, by = 1) => {
  const n = (m.get(k) ?? 0) + by;
  if (n === 0) m.delete(k);
  else m.set(k, n);
};

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = INTER_POD_AFFINITY;
  private readonly stateKey = `PreFilter${INTER_POD_AFFINITY}`;
  private readonly scoreKey = `PreScore${INTER_POD_AFFINITY}`;

  constructor(private readonly handle: FrameworkHandle) {}

  preFilter(state: CycleState, pod: Pod): Status {
    const affinity = pod.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    const antiAffinity = pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    if (affinity.length === 0 && antiAffinity.length === 0 && this.handle.podsWithAffinity() === 0) return Status.SKIP;
    const s = new PreFilterState(affinity, antiAffinity);
    const everyPod = affinity.length > 0 || antiAffinity.length > 0;
    for (const node of this.handle.nodes()) {
      // Without terms of its own, only existing pods' anti-affinity can reject this pod.
      for (const info of (everyPod ? node.pods : node.podsWithAffinity).values()) s.update(pod, info, node, 1);
    }
    if (affinity.length === 0 && antiAffinity.length === 0 && s.existingAntiAffinityCounts.size === 0) return Status.SKIP;
    state.write(this.stateKey, s);
    return Status.SUCCESS;
  }

  addPod(state: CycleState, pod: Pod, other: PodInfo, node: NodeInfo): void {
    state.read<PreFilterState>(this.stateKey)?.update(pod, other, node, 1);
  }

  removePod(state: CycleState, pod: Pod, other: PodInfo, node: NodeInfo): void {
    state.read<PreFilterState>(this.stateKey)?.update(pod, other, node, -1);
  }

  filter(state: CycleState, pod: Pod, node: NodeInfo): Status {
    const s = state.require<PreFilterState>(this.stateKey);
    // kube-scheduler's order: the pod's affinity, its anti-affinity, then existing pods' anti-affinity.
    if (s.affinity.length > 0) {
      const everyTermHere = s.affinity.every((t) => {
        const v = topologyValue(node.node, t.topologyKey);
        return v !== undefined && (s.affinityCounts.get(pair(t.topologyKey, v)) ?? 0) > 0;
      });
      if (!everyTermHere) {
        // The first pod of a group that selects itself may go anywhere its topology keys exist.
        const firstOfItsKind = s.affinityCounts.size === 0 && s.affinity.every((t) => termMatchesPod(t, pod, pod));
        const hasKeys = s.affinity.every((t) => topologyValue(node.node, t.topologyKey) !== undefined);
        if (!(firstOfItsKind && hasKeys)) return Status.unresolvable(REASON_AFFINITY);
      }
    }
    for (const t of s.antiAffinity) {
      const v = topologyValue(node.node, t.topologyKey);
      if (v !== undefined && (s.antiAffinityCounts.get(pair(t.topologyKey, v)) ?? 0) > 0) return Status.unschedulable(REASON_ANTI_AFFINITY);
    }
    if (s.existingAntiAffinityCounts.size > 0) {
      for (const [key, value] of Object.entries(node.node?.metadata.labels ?? {})) {
        if ((s.existingAntiAffinityCounts.get(pair(key, value)) ?? 0) > 0) return Status.unschedulable(REASON_EXISTING_ANTI_AFFINITY);
      }
    }
    return Status.SUCCESS;
  }

  /** Sums preferred-term weights per topology pair, from this pod's terms and existing pods' terms. */
  preScore(state: CycleState, pod: Pod): Status {
    const preferredAffinity = pod.spec.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const preferredAnti = pod.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const scores: PairCounts = new Map();
    const incoming = preferredAffinity.length > 0 || preferredAnti.length > 0;
    if (!incoming && this.handle.podsWithAffinity() === 0) return Status.SKIP;
    const add = (terms: WeightedPodAffinityTerm[], owner: Pod, other: Pod, node: NodeInfo, sign: number) => {
      for (const w of terms) {
        const v = topologyValue(node.node, w.podAffinityTerm.topologyKey);
        if (v !== undefined && termMatchesPod(w.podAffinityTerm, owner, other)) bump(scores, pair(w.podAffinityTerm.topologyKey, v), sign * w.weight);
      }
    };
    for (const node of this.handle.nodes()) {
      const candidates = incoming ? node.pods.values() : node.podsWithAffinity.values();
      for (const info of candidates) {
        if (isTerminating(info.pod)) continue;
        add(preferredAffinity, pod, info.pod, node, 1);
        add(preferredAnti, pod, info.pod, node, -1);
        const existing = info.pod.spec.affinity;
        if (existing?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution) add(existing.podAffinity.preferredDuringSchedulingIgnoredDuringExecution, info.pod, pod, node, 1);
        if (existing?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution) add(existing.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution, info.pod, pod, node, -1);
      }
    }
    state.write(this.scoreKey, scores);
    return Status.SUCCESS;
  }

  score(state: CycleState, _pod: Pod, node: NodeInfo): number {
    const scores = state.read<PairCounts>(this.scoreKey);
    if (!scores || scores.size === 0) return 0;
    let total = 0;
    for (const [key, value] of Object.entries(node.node?.metadata.labels ?? {})) total += scores.get(pair(key, value)) ?? 0;
    return total;
  }

  /** Min-max scaling to 0..100 (raw scores may be negative). */
  normalizeScores(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    if (scores.length === 0) return;
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      min = Math.min(min, s.score);
      max = Math.max(max, s.score);
    }
    for (const s of scores) s.score = max > min ? Math.floor((MAX_NODE_SCORE * (s.score - min)) / (max - min)) : 0;
  }
}

export const interPodAffinity: PluginFactory = (_args, handle) => new InterPodAffinity(handle);
