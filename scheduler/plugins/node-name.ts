// Filter: a pod that names its node (spec.nodeName) fits only that node.
import type { Pod } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import type { FilterPlugin, PluginFactory } from '../framework/interface';
import { Status } from '../framework/status';
import type { NodeInfo } from '../node-info';

export const NODE_NAME = 'NodeName';
export const REASON_NODE_NAME = "node(s) didn't match the requested node name";

export class NodeName implements FilterPlugin {
  readonly name = NODE_NAME;

  filter(_state: CycleState, pod: Pod, node: NodeInfo): Status {
    const wanted = pod.spec.nodeName;
    return !wanted || wanted === node.name ? Status.SUCCESS : Status.unresolvable(REASON_NODE_NAME);
  }
}

export const nodeName: PluginFactory = () => new NodeName();
