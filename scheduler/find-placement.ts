// One scheduling decision, without side effects: filter the nodes (stopping
// once enough feasible ones are found, as kube-scheduler's
// percentageOfNodesToScore does), score them, and pick the best, breaking ties
// at random. When nothing fits, the FitError message says why, per node.
import type { Pod } from './api-types';
import type { CycleState } from './framework/cycle-state';
import { fitErrorMessage } from './framework/fit-error';
import type { Framework } from './framework/framework';
import { Status } from './framework/status';
import { NodeInfo, PodInfo } from './node-info';

export type Placement =
  | { kind: 'fit'; nodeName: string; feasible: number }
  | { kind: 'unschedulable'; message: string; statuses: Map<string, Status>; skip: ReadonlySet<string> }
  | { kind: 'error'; status: Status };

const MIN_FEASIBLE_NODES = 100;
const MIN_FEASIBLE_PERCENTAGE = 5;

/** How many feasible nodes to find before scoring (kube-scheduler's numFeasibleNodesToFind). */
export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(50 - Math.floor(numAllNodes / 125), MIN_FEASIBLE_PERCENTAGE);
  if (pct >= 100) return numAllNodes;
  return Math.max(Math.floor((numAllNodes * pct) / 100), MIN_FEASIBLE_NODES);
}

export interface PlacementOptions {
  /** Pods nominated to a node (after preemption) that this pod must leave room for. */
  nominatedPods?: (nodeName: string, pod: Pod) => PodInfo[];
  percentageOfNodesToScore?: number;
  /** Where the node scan starts, so successive pods look at different nodes first. */
  startIndex?: number;
  random?: () => number;
}

export function findPlacement(fw: Framework, state: CycleState, pod: Pod, nodes: readonly NodeInfo[], opts: PlacementOptions = {}): Placement & { scanned: number } {
  const statuses = new Map<string, Status>();
  if (nodes.length === 0) return { kind: 'unschedulable', message: fitErrorMessage(0, []), statuses, skip: new Set(), scanned: 0 };
  const pre = fw.runPreFilter(state, pod);
  if (pre.status.code === 'Error') return { kind: 'error', status: pre.status, scanned: 0 };
  if (!pre.status.isSuccess()) {
    for (const n of nodes) statuses.set(n.name, pre.status);
    return { kind: 'unschedulable', message: fitErrorMessage(nodes.length, [], pre.status.message()), statuses, skip: pre.skip, scanned: 0 };
  }
  const want = numFeasibleNodesToFind(nodes.length, opts.percentageOfNodesToScore);
  const start = (opts.startIndex ?? 0) % nodes.length;
  const feasible: NodeInfo[] = [];
  let scanned = 0;
  for (; scanned < nodes.length && feasible.length < want; scanned++) {
    const node = nodes[(start + scanned) % nodes.length];
    let s = fw.runFilter(state, pod, node, pre.skip);
    const nominated = s.isSuccess() && opts.nominatedPods ? opts.nominatedPods(node.name, pod) : [];
    if (nominated.length > 0) s = fw.runFilter(state, pod, withPods(node, nominated), pre.skip);
    if (s.isSuccess()) feasible.push(node);
    else if (s.code === 'Error') return { kind: 'error', status: s, scanned };
    else statuses.set(node.name, s);
  }
  if (feasible.length === 0) {
    return { kind: 'unschedulable', message: fitErrorMessage(nodes.length, statuses.values()), statuses, skip: pre.skip, scanned };
  }
  if (feasible.length === 1) return { kind: 'fit', nodeName: feasible[0].name, feasible: 1, scanned };
  const totals = fw.runScore(state, pod, feasible);
  if (totals instanceof Status) return { kind: 'error', status: totals, scanned };
  return { kind: 'fit', nodeName: feasible[selectHost(totals, opts.random ?? Math.random)].name, feasible: feasible.length, scanned };
}

/** A copy of `node` with `extra` pods added: room kept for nominated pods of equal or higher priority. */
function withPods(node: NodeInfo, extra: PodInfo[]): NodeInfo {
  const copy = new NodeInfo(node.name);
  copy.setNode(node.node!);
  for (const info of node.pods.values()) copy.addPod(info);
  for (const info of extra) copy.addPod(info);
  return copy;
}

/** Index of the highest total; ties resolved uniformly at random (reservoir sampling). */
export function selectHost(totals: readonly number[], random: () => number): number {
  let best = 0;
  let ties = 1;
  for (let i = 1; i < totals.length; i++) {
    if (totals[i] > totals[best]) {
      best = i;
      ties = 1;
    } else if (totals[i] === totals[best]) {
      ties++;
      if (random() * ties < 1) best = i;
    }
  }
  return best;
}
