// Host-gateway routing between nodes on one L2 segment: a route to every
// other node's pod subnet via that node's InternalIP. Routes carry their own
// protocol number, so the ones this agent installed are found and the stale
// ones removed without touching anyone else's.
import { isMissing, NetnsCommands } from './commands';

/** rtnetlink protocol number marking Kapstan's routes (`proto 77` in `ip route`). */
export const ROUTE_PROTOCOL = 77;

export interface NodeRoute {
  podCidr: string;
  nodeIp: string;
}

export interface NodeObject {
  metadata: { name?: string };
  spec?: { podCIDR?: string; podCIDRs?: string[] };
  status?: { addresses?: Array<{ type: string; address: string }> };
}

/** The routes a node needs: every other node with a pod subnet and an IPv4 InternalIP. */
export function nodeRoutes(nodes: NodeObject[], selfName: string): NodeRoute[] {
  const routes: NodeRoute[] = [];
  for (const n of nodes) {
    if (n.metadata.name === selfName) continue;
    const podCidr = n.spec?.podCIDR;
    const nodeIp = n.status?.addresses?.find((a) => a.type === 'InternalIP' && /^\d+\.\d+\.\d+\.\d+$/.test(a.address))?.address;
    if (podCidr && nodeIp) routes.push({ podCidr, nodeIp });
  }
  return routes.sort((a, b) => (a.podCidr < b.podCidr ? -1 : 1));
}

export class HostGatewayRoutes {
  private readonly commands: NetnsCommands;

  constructor(nodeNetnsPath?: string) {
    this.commands = new NetnsCommands(nodeNetnsPath);
  }

  /**
   * Makes the node's Kapstan routes exactly these. A route that cannot be
   * installed (a node not on this segment) does not hold up the others: all
   * are tried, then the failures are thrown together (the caller retries).
   */
  async sync(routes: NodeRoute[]): Promise<void> {
    const wanted = new Map(routes.map((r) => [r.podCidr, r.nodeIp]));
    for (const current of await this.installed()) {
      if (wanted.get(current.podCidr) === current.nodeIp) wanted.delete(current.podCidr);
      else if (!wanted.has(current.podCidr)) await this.removeRoute(current.podCidr);
    }
    const failed: string[] = [];
    for (const [podCidr, nodeIp] of wanted) {
      await this.commands.node(['ip', 'route', 'replace', podCidr, 'via', nodeIp, 'proto', String(ROUTE_PROTOCOL)])
        .catch((err: Error) => failed.push(`${podCidr} via ${nodeIp}: ${err.message}`));
    }
    if (failed.length) throw new Error(`routes to other nodes not installed (is --pod-network vxlan needed?): ${failed.join('; ')}`);
  }

  /** Removes every Kapstan route (the node leaves). */
  async remove(): Promise<void> {
    await this.sync([]);
  }

  async installed(): Promise<NodeRoute[]> {
    const rows = await this.commands.nodeJson<Array<{ dst: string; gateway?: string }>>(['route', 'show', 'proto', String(ROUTE_PROTOCOL)]);
    return rows.filter((r) => r.gateway).map((r) => ({ podCidr: r.dst, nodeIp: r.gateway! }));
  }

  private async removeRoute(podCidr: string): Promise<void> {
    await this.commands.node(['ip', 'route', 'del', podCidr, 'proto', String(ROUTE_PROTOCOL)]).catch((err) => {
      if (!isMissing(err)) throw err;
    });
  }
}
