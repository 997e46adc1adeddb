// NodeResourcesFit: Filter nodes whose allocatable cpu, memory,
// ephemeral-storage, extended resources and pod count, minus what bound and
// assumed pods request, cannot hold the pod; Score by LeastAllocated (the
// default, spreading) or MostAllocated (packing) over cpu and memory.
import type { Pod } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import type { FilterPlugin, PluginFactory, PreFilterPlugin, ScorePlugin } from '../framework/interface';
import { Status } from '../framework/status';
import type { NodeInfo } from '../node-info';
import { podRequests, Resources } from '../resources';
import { leastAllocatedScore, mostAllocatedScore, ResourceScorer } from './resource-scoring';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
export const REASON_TOO_MANY_PODS = 'Too many pods';

interface PreFilterState {
  requests: PreparedRequests;
  nonZero: Resources;
}

/** A pod's requests in the shape the per-node check reads fastest. */
export interface PreparedRequests extends Resources {
  asksNothing: boolean;
  scalarEntries: [string, number][];
}

export function prepareRequests(requests: Resources): PreparedRequests {
  const scalarEntries = Object.entries(requests.scalar).filter(([, v]) => v > 0);
  const asksNothing = requests.milliCPU === 0 && requests.memory === 0 && requests.ephemeralStorage === 0 && scalarEntries.length === 0;
  return { ...requests, asksNothing, scalarEntries };
}

export interface NodeResourcesFitArgs {
  scoringStrategy?: { type?: 'LeastAllocated' | 'MostAllocated' };
}

/** The reasons the pod does not fit the node's free resources (undefined when it fits). */
export function insufficientResources(requests: PreparedRequests, node: NodeInfo): string[] | undefined {
  let reasons: string[] | undefined;
  // The flat fields of NodeInfo: this runs for every node of every cycle.
  if (node.podCount + 1 > node.allowedPodNumber) reasons = [REASON_TOO_MANY_PODS];
  if (requests.asksNothing) return reasons;
  const cpuShort = requests.milliCPU > 0 && requests.milliCPU > node.freeMilliCPU;
  const memoryShort = requests.memory > 0 && requests.memory > node.freeMemory;
  const storageShort = requests.ephemeralStorage > 0 && requests.ephemeralStorage > node.freeEphemeralStorage;
  if (!cpuShort && !memoryShort && !storageShort && requests.scalarEntries.length === 0) return reasons;
  reasons ??= [];
  const a = node.allocatable;
  const used = node.requested;
  if (cpuShort) reasons.push('Insufficient cpu');
  if (memoryShort) reasons.push('Insufficient memory');
  if (storageShort) reasons.push('Insufficient ephemeral-storage');
  for (const [name, want] of requests.scalarEntries) {
    if (want > (a.scalar[name] ?? 0) - (used.scalar[name] ?? 0)) reasons.push(`Insufficient ${name}`);
  }
  return reasons.length > 0 ? reasons : undefined;
}

export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_FIT;
  private readonly stateKey = `PreFilter${NODE_RESOURCES_FIT}`;
  private readonly scorer: ResourceScorer;

  constructor(args: NodeResourcesFitArgs = {}) {
    const type = args.scoringStrategy?.type ?? 'LeastAllocated';
    if (type !== 'LeastAllocated' && type !== 'MostAllocated') throw new Error(`NodeResourcesFit: unsupported scoringStrategy ${type}`);
    this.scorer = type === 'MostAllocated' ? mostAllocatedScore : leastAllocatedScore;
  }

  preFilter(state: CycleState, pod: Pod): Status {
    state.write<PreFilterState>(this.stateKey, { requests: prepareRequests(podRequests(pod)), nonZero: podRequests(pod, true) });
    return Status.SUCCESS;
  }

  filter(state: CycleState, _pod: Pod, node: NodeInfo): Status {
    const reasons = insufficientResources(state.require<PreFilterState>(this.stateKey).requests, node);
    return reasons === undefined ? Status.SUCCESS : Status.unschedulable(...reasons);
  }

  score(state: CycleState, pod: Pod, node: NodeInfo): number {
    const nonZero = state.read<PreFilterState>(this.stateKey)?.nonZero ?? podRequests(pod, true);
    return this.scorer(node.nonZeroRequestedMilliCPU + nonZero.milliCPU, node.allocatableMilliCPU, node.nonZeroRequestedMemory + nonZero.memory, node.allocatableMemory);
  }
}

export const nodeResourcesFit: PluginFactory = (args) => new NodeResourcesFit(args as NodeResourcesFitArgs);
