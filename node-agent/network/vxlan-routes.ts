// The VXLAN overlay between nodes that share only L3 (flannel's vxlan
// backend): one VXLAN device `kapvx0` per node, and for every other node a
// route to its pod subnet via that subnet's network address (.0) "onlink"
// through the device, a permanent neighbour entry giving .0 the other node's
// VTEP MAC, and a forwarding entry sending that MAC to the other node's IP.
// VTEP MACs are derived from node IPs, so no node has to publish its own.
// Drop-in for HostGatewayRoutes: `sync(routes)` makes it all exactly so.
import { isMissing, NetnsCommands } from './commands';
import { ROUTE_PROTOCOL, type NodeRoute } from './node-routes';
import { parseSubnet, formatIpv4 } from './ipv4';

export const VXLAN_DEVICE = 'kapvx0';
/** flannel's VNI and port (Linux's own default port, 8472, not IANA's 4789). */
export const VXLAN_VNI = 1;
export const VXLAN_PORT = 8472;
/** Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) headers. */
export const VXLAN_OVERHEAD = 50;

/** A node's VTEP MAC: locally administered, unicast, 0e:6b:<its IPv4 bytes>. */
export function vtepMac(nodeIp: string): string {
  return ['0e', '6b', ...nodeIp.split('.').map((b) => Number(b).toString(16).padStart(2, '0'))].join(':');
}

export interface VxlanRoutesOptions {
  /** This node's address (outer source, and what its VTEP MAC is derived from). */
  nodeIp: string;
  /** This node's pod subnet (its .0 goes on the device, as the source of the node's own overlay traffic). */
  podCidr(): Promise<string | undefined>;
  /** MTU of the device: the underlying link's minus VXLAN_OVERHEAD. */
  mtu: number;
  nodeNetnsPath?: string;
}

interface InstalledRoute {
  dst: string;
  gateway?: string;
  dev?: string;
}

export class VxlanRoutes {
  private readonly commands: NetnsCommands;

  constructor(private readonly opts: VxlanRoutesOptions) {
    this.commands = new NetnsCommands(opts.nodeNetnsPath);
  }

  /** Makes the node's overlay routes exactly these (and removes any other Kapstan route). */
  async sync(routes: NodeRoute[]): Promise<void> {
    await this.ensureDevice();
    const wanted = new Map(routes.map((r) => [r.podCidr, r]));
    const gatewayOf = (podCidr: string) => formatIpv4(parseSubnet(podCidr).base);
    for (const r of await this.commands.nodeJson<InstalledRoute[]>(['route', 'show', 'proto', String(ROUTE_PROTOCOL)])) {
      const want = wanted.get(r.dst);
      if (want && r.dev === VXLAN_DEVICE && r.gateway === gatewayOf(want.podCidr)) continue;
      await this.ignoreMissing(['ip', 'route', 'del', r.dst, 'proto', String(ROUTE_PROTOCOL)]);
    }
    const macs = new Set(routes.map((r) => vtepMac(r.nodeIp)));
    const gateways = new Set(routes.map((r) => gatewayOf(r.podCidr)));
    for (const n of await this.commands.nodeJson<Array<{ dst: string }>>(['neigh', 'show', 'dev', VXLAN_DEVICE, 'nud', 'permanent'])) {
      if (!gateways.has(n.dst)) await this.ignoreMissing(['ip', 'neigh', 'del', n.dst, 'dev', VXLAN_DEVICE]);
    }
    const fdb = JSON.parse((await this.commands.node(['bridge', '-j', 'fdb', 'show', 'dev', VXLAN_DEVICE])).trim() || '[]') as Array<{ mac: string; dst?: string }>;
    for (const f of fdb) {
      if (f.dst && !macs.has(f.mac)) await this.ignoreMissing(['bridge', 'fdb', 'del', f.mac, 'dev', VXLAN_DEVICE, 'dst', f.dst]);
    }
    for (const r of routes) {
      const mac = vtepMac(r.nodeIp);
      const gateway = gatewayOf(r.podCidr);
      await this.commands.node(['bridge', 'fdb', 'replace', mac, 'dev', VXLAN_DEVICE, 'dst', r.nodeIp, 'self', 'permanent']);
      await this.commands.node(['ip', 'neigh', 'replace', gateway, 'lladdr', mac, 'dev', VXLAN_DEVICE, 'nud', 'permanent']);
      await this.commands.node(['ip', 'route', 'replace', r.podCidr, 'via', gateway, 'dev', VXLAN_DEVICE, 'onlink', 'proto', String(ROUTE_PROTOCOL)]);
    }
  }

  /** Removes the device (its routes, neighbours and forwarding entries go with it). */
  async remove(): Promise<void> {
    await this.ignoreMissing(['ip', 'link', 'del', VXLAN_DEVICE]);
  }

  private async ensureDevice(): Promise<void> {
    const links = await this.commands.nodeJson<Array<{ ifname: string }>>(['link', 'show']);
    if (!links.some((l) => l.ifname === VXLAN_DEVICE)) {
      await this.commands.node([
        'ip', 'link', 'add', VXLAN_DEVICE, 'type', 'vxlan', 'id', String(VXLAN_VNI), 'local', this.opts.nodeIp,
        'dstport', String(VXLAN_PORT), 'nolearning',
      ]);
    }
    await this.commands.node(['ip', 'link', 'set', VXLAN_DEVICE, 'address', vtepMac(this.opts.nodeIp), 'mtu', String(this.opts.mtu), 'up']);
    const podCidr = await this.opts.podCidr();
    if (podCidr) await this.commands.node(['ip', 'addr', 'replace', `${formatIpv4(parseSubnet(podCidr).base)}/32`, 'dev', VXLAN_DEVICE]);
  }

  private async ignoreMissing(argv: string[]): Promise<void> {
    await this.commands.node(argv).catch((err) => {
      if (!isMissing(err)) throw err;
    });
  }
}

/** MTU of the link holding nodeIp (the underlay); 1500 when no link holds it. */
export async function underlayMtu(nodeIp: string, nodeNetnsPath?: string): Promise<number> {
  const links = await new NetnsCommands(nodeNetnsPath).nodeJson<Array<{ mtu: number; addr_info?: Array<{ local: string }> }>>(['addr', 'show']);
  return links.find((l) => l.addr_info?.some((a) => a.local === nodeIp))?.mtu ?? 1500;
}
