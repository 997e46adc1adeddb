// NodeResourcesBalancedAllocation: Score nodes whose cpu and memory would be
// used in similar fractions after placing the pod higher.
import type { Pod } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import type { PluginFactory, ScorePlugin } from '../framework/interface';
import type { NodeInfo } from '../node-info';
import { podRequests } from '../resources';
import { balancedAllocationScore } from './resource-scoring';

export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

export class NodeResourcesBalancedAllocation implements ScorePlugin {
  readonly name = NODE_RESOURCES_BALANCED_ALLOCATION;
  private readonly cache = new WeakMap<Pod, ReturnType<typeof podRequests>>();

  score(_state: CycleState, pod: Pod, node: NodeInfo): number {
    let requests = this.cache.get(pod);
    if (!requests) this.cache.set(pod, (requests = podRequests(pod)));
    return balancedAllocationScore([
      { requested: node.requested.milliCPU + requests.milliCPU, allocatable: node.allocatable.milliCPU },
      { requested: node.requested.memory + requests.memory, allocatable: node.allocatable.memory },
    ]);
  }
}

export const nodeResourcesBalancedAllocation: PluginFactory = () => new NodeResourcesBalancedAllocation();
