// TaintToleration: Filter out nodes with a NoSchedule or NoExecute taint the
// pod does not tolerate; Score fewer untolerated PreferNoSchedule taints higher.
import type { Pod, Toleration } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import { defaultNormalizeScore, FilterPlugin, NodeScore, PluginFactory, ScorePlugin } from '../framework/interface';
import { Status } from '../framework/status';
import type { NodeInfo } from '../node-info';
import { firstUntoleratedTaint, tolerated } from './tolerations';

export const TAINT_TOLERATION = 'TaintToleration';
const FILTER_EFFECTS = new Set(['NoSchedule', 'NoExecute']);

export function untoleratedTaintReason(key: string, value: string | undefined): string {
  return `node(s) had untolerated taint {${key}: ${value ?? ''}}`;
}

export class TaintToleration implements FilterPlugin, ScorePlugin {
  readonly name = TAINT_TOLERATION;

  filter(_state: CycleState, pod: Pod, node: NodeInfo): Status {
    const taints = node.taints;
    if (taints === undefined) return Status.SUCCESS;
    const taint = firstUntoleratedTaint(taints, pod.spec.tolerations, FILTER_EFFECTS);
    return taint ? Status.unresolvable(untoleratedTaintReason(taint.key, taint.value)) : Status.SUCCESS;
  }

  /** The number of PreferNoSchedule taints the pod does not tolerate (lower is better). */
  score(_state: CycleState, pod: Pod, node: NodeInfo): number {
    const taints = node.taints;
    if (taints === undefined) return 0;
    const tolerations: Toleration[] = (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    let count = 0;
    for (const taint of taints) if (taint.effect === 'PreferNoSchedule' && !tolerated(tolerations, taint)) count++;
    return count;
  }

  normalizeScores(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    defaultNormalizeScore(scores, true);
  }
}

export const taintToleration: PluginFactory = () => new TaintToleration();
