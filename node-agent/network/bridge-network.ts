// PodNetwork on routed veths: `kap0` (a bridge with no ports) holds the first
// address of the node's pod subnet, the pods' gateway; each pod gets a veth
// pair (host end `kapv<hash>` with a /32 route to the pod, `eth0` in the pod),
// an address from the host-local allocator and a default route via the gateway. The node forwards, masquerades traffic leaving the
// cluster CIDRs, and drops (unreachable) what is for a pod or Service address
// no one holds, so none of it ever leaves the machine.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { PodRef } from '../../client/node-client';
import type { PodNetwork, PodNetworkOptions } from '../agent/pod-network';
import { CommandError, isMissing, NetnsCommands } from './commands';

/**
 * Metric of the agent's unreachable routes for the cluster ranges: under the
 * bridge route for the Service range, and never the metric-0 route an
 * operator (or a test's guard) may hold, so removing ours leaves theirs.
 */
const FALLBACK_METRIC = 4096;
import { egressRuleset, EGRESS_TABLE } from './egress-rules';
import { HostLocalIpam } from './host-local-ipam';
import { HostPorts } from './host-ports';
import { HOST_PORT_TABLE } from './host-port-rules';
import { RouteLocalnet } from './localnet';
import { gatewayOf, parseSubnet, type Ipv4Subnet } from './ipv4';

export const DEFAULT_CLUSTER_POD_CIDR = '10.244.0.0/16';
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';

export interface BridgeNetworkOptions {
  /** This node's pod subnet (Node.spec.podCIDR), e.g. 10.244.3.0/24. */
  podCidr: string;
  /** The agent's data dir; allocations live in DATA/network/ips. */
  dataDir: string;
  clusterPodCidr?: string;
  serviceCidr?: string;
  /** The node's network namespace (a simulated machine); unset = the agent's own. */
  nodeNetnsPath?: string;
  bridge?: string;
  /** nft table for egress masquerade. */
  egressTable?: string;
  /** nft table for hostPorts. */
  hostPortTable?: string;
  /** nft table dropping loopback-addressed packets from the wire (see localnet.ts). */
  localnetTable?: string;
  /** MTU of the pods' interfaces (under an overlay: the underlay's minus its headers); default the kernel's. */
  mtu?: number;
}

/** Host end of a pod's veth: `kapv` + 11 hex digits of its UID (fits IFNAMSIZ). */
export function vethName(podUid: string): string {
  return 'kapv' + createHash('sha256').update(podUid).digest('hex').slice(0, 11);
}

export class BridgeNetwork implements PodNetwork {
  readonly subnet: Ipv4Subnet;
  readonly gateway: string;
  readonly bridge: string;
  readonly ipam: HostLocalIpam;
  readonly hostPorts: HostPorts;
  readonly commands: NetnsCommands;
  readonly localnet: RouteLocalnet;
  private readonly clusterPodCidr: string;
  private readonly serviceCidr: string;
  private readonly egressTable: string;
  private readonly mtu?: number;
  private nodeReady?: Promise<void>;

  constructor(opts: BridgeNetworkOptions) {
    this.subnet = parseSubnet(opts.podCidr);
    this.gateway = gatewayOf(this.subnet);
    this.bridge = opts.bridge ?? 'kap0';
    this.clusterPodCidr = opts.clusterPodCidr ?? DEFAULT_CLUSTER_POD_CIDR;
    this.serviceCidr = opts.serviceCidr ?? DEFAULT_SERVICE_CIDR;
    this.egressTable = opts.egressTable ?? EGRESS_TABLE;
    this.mtu = opts.mtu;
    this.commands = new NetnsCommands(opts.nodeNetnsPath);
    this.ipam = new HostLocalIpam(join(opts.dataDir, 'network', 'ips'), this.subnet);
    this.hostPorts = new HostPorts(join(opts.dataDir, 'network', 'hostports'), this.commands, opts.hostPortTable ?? HOST_PORT_TABLE);
    this.localnet = new RouteLocalnet(this.commands, join(opts.dataDir, 'network', 'route_localnet.before'), opts.localnetTable);
  }

  /** The node's side: bridge, forwarding, unreachable routes, masquerade. Idempotent. */
  ensureNode(): Promise<void> {
    this.nodeReady ??= this.setUpNode().catch((err) => {
      this.nodeReady = undefined;
      throw err;
    });
    return this.nodeReady;
  }

  private async setUpNode(): Promise<void> {
    const run = (argv: string[]) => this.commands.node(argv);
    const links = await this.commands.nodeJson<Array<{ ifname: string }>>(['link', 'show']);
    if (!links.some((l) => l.ifname === this.bridge)) await run(['ip', 'link', 'add', this.bridge, 'type', 'bridge']);
    await run(['ip', 'addr', 'replace', `${this.gateway}/${this.subnet.prefixLength}`, 'dev', this.bridge]);
    await run(['ip', 'link', 'set', this.bridge, 'up']);
    await run(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    // No bridge-nf-call-iptables: pods are routed (see setUp), no pod frame is bridged.
    await run(['ip', 'route', 'replace', 'unreachable', this.clusterPodCidr, 'metric', String(FALLBACK_METRIC)]);
    // Service addresses route to the bridge, so that the node's own connections
    // to a ClusterIP are looked up, then DNATed by the nat output hook (an
    // unreachable route fails them before any hook runs). What no rule
    // rewrites dies on the bridge; the unreachable fallback (higher metric)
    // still holds the range when the bridge is gone.
    await run(['ip', 'route', 'replace', 'unreachable', this.serviceCidr, 'metric', String(FALLBACK_METRIC)]);
    await run(['ip', 'route', 'replace', this.serviceCidr, 'dev', this.bridge]);
    await this.commands.node(['nft', '-f', '-'], egressRuleset({ clusterPodCidr: this.clusterPodCidr, serviceCidr: this.serviceCidr, table: this.egressTable }));
    // 127.0.0.1:hostPort and :nodePort from the node itself (localnet.ts).
    await this.localnet.enable();
  }

  async setUp(pod: PodRef, netnsPath: string, opts: PodNetworkOptions = {}): Promise<{ ips: string[] }> {
    await this.ensureNode();
    const ip = await this.ipam.allocate(pod.uid);
    const veth = vethName(pod.uid);
    try {
      // Two `ip -batch` runs (node side, pod side) instead of one process per command: every spawn
      // blocks the agent's event loop until the child has exec'd, and pods start ten a second.
      const mtu = this.mtu ? ['mtu', String(this.mtu)] : [];
      // Routed, not bridged (Calico's scheme): the host veth is on no bridge, a /32 route leads to the
      // pod. Every pod packet, to another pod on this node too, passes the node's IP stack, so
      // conntrack un-DNATs Service replies without br_netfilter, and a pod reaching itself through a
      // Service or hostPort is simply routed back out its veth. It also saves the bridge hop.
      const nodeSide = [
        ['link', 'add', veth, ...mtu, 'type', 'veth', 'peer', 'name', 'eth0', ...mtu, 'netns', netnsPath],
        ['link', 'set', veth, 'up'],
        ['route', 'replace', `${ip}/32`, 'dev', veth, 'scope', 'link'],
      ];
      await this.commands.ipBatch(nodeSide).catch(async (err) => {
        // A veth from an earlier attempt for this pod is replaced, never reused half-made.
        if (!(err instanceof CommandError && /File exists/.test(err.stderr))) throw err;
        await this.deleteLink(veth);
        await this.commands.ipBatch(nodeSide);
      });
      await this.commands.ipBatch([
        ['link', 'set', 'lo', 'up'],
        // No on-link subnet route: the pod sends everything, to pods on this node too, to the gateway,
        // whose address the node answers ARP for on the host veth (it is the node's own, on kap0).
        ['addr', 'add', `${ip}/${this.subnet.prefixLength}`, 'dev', 'eth0', 'noprefixroute'],
        ['link', 'set', 'eth0', 'up'],
        ['route', 'replace', this.gateway, 'dev', 'eth0', 'scope', 'link'],
        ['route', 'replace', 'default', 'via', this.gateway, 'dev', 'eth0'],
      ], netnsPath);
      await this.hostPorts.set(pod.uid, ip, opts.portMappings ?? []);
    } catch (err) {
      await this.tearDown(pod).catch(() => undefined);
      throw err;
    }
    return { ips: [ip] };
  }

  async tearDown(pod: PodRef): Promise<void> {
    await this.hostPorts.remove(pod.uid);
    await this.deleteLink(vethName(pod.uid)); // takes the pod's eth0 with it
    await this.ipam.release(pod.uid);
  }

  /**
   * After an agent restart: removes the veths and frees the addresses of pods
   * this node no longer runs (their tearDown never happened); the rest stays as is.
   */
  async removeStale(livePodUids: Iterable<string>): Promise<{ links: string[]; addresses: string[] }> {
    const live = new Set(livePodUids);
    const liveLinks = new Set([...live].map(vethName));
    const links = (await this.commands.nodeJson<Array<{ ifname: string }>>(['link', 'show']))
      .map((l) => l.ifname)
      .filter((name) => name.startsWith('kapv') && !liveLinks.has(name));
    for (const name of links) await this.deleteLink(name);
    await this.hostPorts.retain(live);
    const addresses: string[] = [];
    for (const [uid, ip] of await this.ipam.holders()) {
      if (live.has(uid)) continue;
      await this.ipam.release(uid);
      addresses.push(ip);
    }
    return { links, addresses };
  }

  /** Removes the bridge, routes and nft table (pods' veths go with their namespaces or tearDown). */
  async removeNode(): Promise<void> {
    this.nodeReady = undefined;
    await this.deleteLink(this.bridge);
    for (const route of [['unreachable', this.clusterPodCidr, 'metric', String(FALLBACK_METRIC)], ['unreachable', this.serviceCidr, 'metric', String(FALLBACK_METRIC)]]) {
      await this.commands.node(['ip', 'route', 'del', ...route]).catch((err) => {
        if (!isMissing(err)) throw err;
      });
    }
    await this.commands.node(['nft', '-f', '-'], `table ip ${this.egressTable} {}\ndelete table ip ${this.egressTable}\n`);
    await this.hostPorts.removeTable();
    await this.localnet.restore();
  }

  private async deleteLink(name: string): Promise<void> {
    await this.commands.node(['ip', 'link', 'del', name]).catch((err) => {
      if (!isMissing(err)) throw err;
    });
  }
}
