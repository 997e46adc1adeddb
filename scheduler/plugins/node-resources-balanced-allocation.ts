// NodeResourcesBalancedAllocation: Score nodes whose cpu and memory would be
// used in similar fractions after placing the pod higher.
import type { Pod } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import type { PluginFactory, ScorePlugin } from '../framework/interface';
import type { NodeInfo } from '../node-info';
import { emptyResources, podRequests, Resources } from '../resources';
import { balancedAllocationScore } from './resource-scoring';

export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

export class NodeResourcesBalancedAllocation implements ScorePlugin {
  readonly name = NODE_RESOURCES_BALANCED_ALLOCATION;
  /** The requests of the pod scored last: Score runs for every node of one pod in a row. */
  private lastPod: Pod | undefined;
  private lastRequests: Resources = emptyResources();

  score(_state: CycleState, pod: Pod, node: NodeInfo): number {
    if (pod !== this.lastPod) {
      this.lastRequests = podRequests(pod);
      this.lastPod = pod;
    }
    const requests = this.lastRequests;
    return balancedAllocationScore(node.requestedMilliCPU + requests.milliCPU, node.allocatableMilliCPU, node.requestedMemory + requests.memory, node.allocatableMemory);
  }
}

export const nodeResourcesBalancedAllocation: PluginFactory = () => new NodeResourcesBalancedAllocation();
