// Filter: only nodes whose Ready condition is True. (Kubernetes does this
// through the not-ready taints its node controller adds; Kapstan checks the
// condition directly, so nodes without a controller still behave.)
import type { Pod } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import type { FilterPlugin, PluginFactory } from '../framework/interface';
import { Status } from '../framework/status';
import type { NodeInfo } from '../node-info';

export const NODE_READY = 'NodeReady';
export const REASON_NODE_NOT_READY = 'node(s) were not ready';

export class NodeReady implements FilterPlugin {
  readonly name = NODE_READY;

  filter(_state: CycleState, _pod: Pod, node: NodeInfo): Status {
    return node.node && node.ready ? Status.SUCCESS : Status.unschedulable(REASON_NODE_NOT_READY);
  }
}

export const nodeReady: PluginFactory = () => new NodeReady();
