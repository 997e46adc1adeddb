// The arithmetic of kube-scheduler's resource scorers (noderesources
// least_allocated.go, most_allocated.go, balanced_allocation.go), over cpu and
// memory with weight 1 each, all integer as in Go. They run for every scored
// node, so they take plain numbers (requested after placing the pod, and
// allocatable, of cpu then memory) and allocate nothing.
import { MAX_NODE_SCORE } from '../framework/interface';

/** A scorer over cpu and memory: requested (pod included) and allocatable of each. */
export type ResourceScorer = (cpuRequested: number, cpuAllocatable: number, memoryRequested: number, memoryAllocatable: number) => number;

function leastRequested(requested: number, allocatable: number): number {
  if (allocatable === 0 || requested > allocatable) return 0;
  return Math.floor(((allocatable - requested) * MAX_NODE_SCORE) / allocatable);
}

function mostRequested(requested: number, allocatable: number): number {
  if (allocatable === 0) return 0;
  return Math.floor((Math.min(requested, allocatable) * MAX_NODE_SCORE) / allocatable);
}

/** Higher when more stays free: spreads pods. */
export const leastAllocatedScore: ResourceScorer = (cpuReq, cpuAlloc, memReq, memAlloc) =>
  Math.floor((leastRequested(cpuReq, cpuAlloc) + leastRequested(memReq, memAlloc)) / 2);

/** Higher when more is used: packs pods. */
export const mostAllocatedScore: ResourceScorer = (cpuReq, cpuAlloc, memReq, memAlloc) =>
  Math.floor((mostRequested(cpuReq, cpuAlloc) + mostRequested(memReq, memAlloc)) / 2);

/** Higher when the resources' used fractions are close to each other (a resource with no allocatable is left out). */
export const balancedAllocationScore: ResourceScorer = (cpuReq, cpuAlloc, memReq, memAlloc) => {
  if (!(cpuAlloc > 0) || !(memAlloc > 0)) return MAX_NODE_SCORE;
  const cpu = Math.min(cpuReq / cpuAlloc, 1);
  const memory = Math.min(memReq / memAlloc, 1);
  // The standard deviation of two fractions.
  const std = Math.abs((cpu - memory) / 2);
  return Math.floor((1 - std) * MAX_NODE_SCORE);
};
