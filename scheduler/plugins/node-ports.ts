// NodePorts: Filter out nodes where a requested hostPort (same protocol, and
// the same host IP or either one 0.0.0.0) is already taken.
import type { Pod } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import type { FilterPlugin, PluginFactory, PreFilterPlugin } from '../framework/interface';
import { Status } from '../framework/status';
import { HostPort, hostPortsConflict, hostPortsOf, NodeInfo } from '../node-info';

export const NODE_PORTS = 'NodePorts';
export const REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = NODE_PORTS;
  private readonly stateKey = `PreFilter${NODE_PORTS}`;

  preFilter(state: CycleState, pod: Pod): Status {
    const ports = hostPortsOf(pod);
    if (ports.length === 0) return Status.SKIP;
    state.write<HostPort[]>(this.stateKey, ports);
    return Status.SUCCESS;
  }

  filter(state: CycleState, _pod: Pod, node: NodeInfo): Status {
    const wanted = state.require<HostPort[]>(this.stateKey);
    const conflict = wanted.some((w) => node.usedPorts.some((u) => hostPortsConflict(w, u)));
    return conflict ? Status.unschedulable(REASON_NODE_PORTS) : Status.SUCCESS;
  }
}

export const nodePorts: PluginFactory = () => new NodePorts();
