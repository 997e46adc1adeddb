// NodeAffinity: Filter by spec.nodeSelector and required node affinity; Score
// by the summed weights of the preferred terms a node matches, normalized to 0..100.
import type { NodeSelectorTerm, Pod, PreferredSchedulingTerm } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import { defaultNormalizeScore, FilterPlugin, NodeScore, PluginFactory, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/interface';
import { Status } from '../framework/status';
import type { NodeInfo } from '../node-info';
import { anyTermMatchesLabels, termMatches } from './node-selector';

export const NODE_AFFINITY = 'NodeAffinity';
export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

interface PreFilterState {
  nodeSelector: [string, string][];
  required: NodeSelectorTerm[] | undefined;
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NODE_AFFINITY;
  private readonly stateKey = `PreFilter${NODE_AFFINITY}`;

  preFilter(state: CycleState, pod: Pod): Status {
    const nodeSelector = Object.entries(pod.spec.nodeSelector ?? {});
    const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (nodeSelector.length === 0 && required === undefined) return Status.SKIP;
    state.write<PreFilterState>(this.stateKey, { nodeSelector, required });
    return Status.SUCCESS;
  }

  filter(state: CycleState, _pod: Pod, node: NodeInfo): Status {
    const s = state.require<PreFilterState>(this.stateKey);
    const labels = node.labels;
    let ok = true;
    for (let i = 0; ok && i < s.nodeSelector.length; i++) ok = labels[s.nodeSelector[i][0]] === s.nodeSelector[i][1];
    if (ok && s.required !== undefined) ok = anyTermMatchesLabels(s.required, labels, node.name);
    return ok ? Status.SUCCESS : Status.unresolvable(REASON_NODE_AFFINITY);
  }

  /** Nothing to score without preferred terms (kube-scheduler's PreScore Skip). */
  preScore(_state: CycleState, pod: Pod): Status {
    return pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ? Status.SUCCESS : Status.SKIP;
  }

  score(_state: CycleState, pod: Pod, node: NodeInfo): number {
    const preferred: PreferredSchedulingTerm[] | undefined = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    if (preferred === undefined) return 0;
    let sum = 0;
    for (const term of preferred) if (term.weight !== 0 && termMatches(term.preference, node.node!)) sum += term.weight;
    return sum;
  }

  normalizeScores(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    defaultNormalizeScore(scores, false);
  }
}

export const nodeAffinity: PluginFactory = () => new NodeAffinity();
