// The agent's route loop: follows the WatchNodes stream into a NodeList and
// makes the node's host-gateway routes match it after each change, so routes
// to other nodes' pod subnets follow Nodes as they come and go. The first
// SYNC after an agent restart removes routes of nodes gone meanwhile.
import { NodeEvent, NodeEvent_Type } from '../../proto/generated/node';
import { nodeRoutes, type HostGatewayRoutes, type NodeObject } from './node-routes';
import { runWatchSyncLoop } from './watch-sync-loop';

export interface NodeWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNC';
  node?: NodeObject;
}

/** The agent's view of Nodes: a stream's list is staged and replaces the view at its SYNC. */
export class NodeList {
  private live?: Map<string, NodeObject>;
  private staged = new Map<string, NodeObject>();
  private listing = true;

  restart(): void {
    this.staged = new Map();
    this.listing = true;
  }

  /** Applies one event; true when the synced view changed. */
  apply(ev: NodeWatchEvent): boolean {
    if (ev.type === 'SYNC') {
      this.live = this.staged;
      this.staged = new Map();
      this.listing = false;
      return true;
    }
    if (!ev.node?.metadata.name) return false;
    const target = this.listing || !this.live ? this.staged : this.live;
    if (ev.type === 'DELETED') target.delete(ev.node.metadata.name);
    else target.set(ev.node.metadata.name, ev.node);
    return !this.listing;
  }

  get synced(): boolean {
    return this.live !== undefined;
  }

  nodes(): NodeObject[] {
    return [...(this.live?.values() ?? [])];
  }
}

const TYPES: Partial<Record<NodeEvent_Type, NodeWatchEvent['type']>> = {
  [NodeEvent_Type.ADDED]: 'ADDED',
  [NodeEvent_Type.MODIFIED]: 'MODIFIED',
  [NodeEvent_Type.DELETED]: 'DELETED',
  [NodeEvent_Type.SYNC]: 'SYNC',
};

/** WatchNodes messages as NodeWatchEvents. */
export async function* nodeWatchEvents(stream: AsyncIterable<NodeEvent>): AsyncGenerator<NodeWatchEvent> {
  for await (const msg of stream) {
    const type = TYPES[msg.type];
    if (!type) continue; // a type this agent does not know yet
    yield type === 'SYNC' ? { type } : { type, node: JSON.parse(Buffer.from(msg.nodeJson).toString()) };
  }
}

export interface NodeRouteSyncOptions {
  /** Opens a WatchNodes stream (e.g. NodeClient's), ending when signal aborts. */
  open(signal: AbortSignal): AsyncIterable<NodeWatchEvent>;
  routes: Pick<HostGatewayRoutes, 'sync'>;
  /** This node's name: it needs no route to itself. */
  nodeName: string;
  signal: AbortSignal;
  retryDelayMs?: number;
  warn?(message: string): void;
}

export async function runNodeRouteSync(opts: NodeRouteSyncOptions): Promise<void> {
  const list = new NodeList();
  await runWatchSyncLoop({
    ...opts,
    what: 'routes to other nodes',
    restart: () => list.restart(),
    apply: (ev) => list.apply(ev),
    program: () => opts.routes.sync(nodeRoutes(list.nodes(), opts.nodeName)),
  });
}
