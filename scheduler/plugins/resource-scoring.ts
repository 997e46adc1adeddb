// The arithmetic of kube-scheduler's resource scorers (noderesources
// least_allocated.go, most_allocated.go, balanced_allocation.go), over cpu and
// memory with weight 1 each, all integer as in Go.
import { MAX_NODE_SCORE } from '../framework/interface';

export interface Usage {
  requested: number;
  allocatable: number;
}

function leastRequested(u: Usage): number {
  if (u.allocatable === 0 || u.requested > u.allocatable) return 0;
  return Math.floor(((u.allocatable - u.requested) * MAX_NODE_SCORE) / u.allocatable);
}

function mostRequested(u: Usage): number {
  if (u.allocatable === 0) return 0;
  return Math.floor((Math.min(u.requested, u.allocatable) * MAX_NODE_SCORE) / u.allocatable);
}

function weightedMean(usages: readonly Usage[], f: (u: Usage) => number): number {
  if (usages.length === 0) return 0;
  let sum = 0;
  for (const u of usages) sum += f(u);
  return Math.floor(sum / usages.length);
}

/** Higher when more stays free: spreads pods. */
export function leastAllocatedScore(usages: readonly Usage[]): number {
  return weightedMean(usages, leastRequested);
}

/** Higher when more is used: packs pods. */
export function mostAllocatedScore(usages: readonly Usage[]): number {
  return weightedMean(usages, mostRequested);
}

/** Higher when the resources' used fractions are close to each other. */
export function balancedAllocationScore(usages: readonly Usage[]): number {
  const fractions = usages.filter((u) => u.allocatable > 0).map((u) => Math.min(u.requested / u.allocatable, 1));
  if (fractions.length < 2) return MAX_NODE_SCORE;
  let std: number;
  if (fractions.length === 2) {
    std = Math.abs((fractions[0] - fractions[1]) / 2);
  } else {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length);
  }
  return Math.floor((1 - std) * MAX_NODE_SCORE);
}
