// Filter: nodes marked spec.unschedulable (cordoned) take only pods that
// tolerate the node.kubernetes.io/unschedulable:NoSchedule taint.
import type { Pod } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import type { FilterPlugin, PluginFactory } from '../framework/interface';
import { Status } from '../framework/status';
import type { NodeInfo } from '../node-info';
import { tolerated } from './tolerations';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const REASON_NODE_UNSCHEDULABLE = 'node(s) were unschedulable';
const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' as const };

export class NodeUnschedulable implements FilterPlugin {
  readonly name = NODE_UNSCHEDULABLE;

  filter(_state: CycleState, pod: Pod, node: NodeInfo): Status {
    if (!node.unschedulable) return Status.SUCCESS;
    return tolerated(pod.spec.tolerations, UNSCHEDULABLE_TAINT) ? Status.SUCCESS : Status.unresolvable(REASON_NODE_UNSCHEDULABLE);
  }
}

export const nodeUnschedulable: PluginFactory = () => new NodeUnschedulable();
