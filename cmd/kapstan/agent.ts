// `kapstan agent`: joins a server with its join token and runs the pods bound
// to this machine. The image store lives under DATA/images; registry mirrors
// come from DATA/registries/<host>/hosts.toml, as containerd's config_path.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startAgent, RunningAgent, Logger } from '../../node-agent';
import { ImageService } from '../../node-agent/images/image-service';
import type { ImageGcPolicy } from '../../node-agent/images/image-gc';
import { loadRegistryConfigDir } from '../../node-agent/images/registry-hosts';
import { NodePodNetwork } from '../../node-agent/network/node-pod-network';
import { ServiceProxy } from '../../node-agent/network/service-proxy';
import { agentServers } from './agent-servers';
import { HostGatewayRoutes } from '../../node-agent/network/node-routes';
import { underlayMtu, VxlanRoutes, VXLAN_OVERHEAD } from '../../node-agent/network/vxlan-routes';
import { defaultNodeIp } from '../../node-agent/agent/machine-info';
import { startClusterDns, DEFAULT_CLUSTER_DNS_IP, type ClusterDns } from '../../node-agent/dns/cluster-dns';
import { DEFAULT_CLUSTER_DOMAIN } from '../../node-agent/dns/records';


export interface AgentFlags {
  server?: string;
  token?: string;
  'token-file'?: string;
  'node-name'?: string;
  'node-ip'?: string;
  'data-dir'?: string;
  'agent-port'?: string;
  'cluster-dns'?: string;
  'cluster-domain'?: string;
  'resolv-conf'?: string;
  'pod-network'?: string;
  'image-gc-high-threshold'?: string;
  'image-gc-low-threshold'?: string;
}

/** --image-gc-high-threshold / --image-gc-low-threshold, checked as the kubelet checks them. */
export function imageGcPolicy(high = '85', low = '80'): ImageGcPolicy {
  const highThresholdPercent = Number(high);
  const lowThresholdPercent = Number(low);
  for (const [name, v] of [['--image-gc-high-threshold', highThresholdPercent], ['--image-gc-low-threshold', lowThresholdPercent]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 100) throw new Error(`${name} must be a whole percentage from 0 to 100`);
  }
  if (lowThresholdPercent > highThresholdPercent) throw new Error('--image-gc-low-threshold must not be above --image-gc-high-threshold');
  return { highThresholdPercent, lowThresholdPercent };
}

/**
 * The agents' gRPC endpoint for a server URL: the API port + 1 unless given.
 * A comma list of servers (HA) gives a comma list of endpoints.
 */
export function agentEndpoint(serverUrl: string, agentPort?: string): string {
  if (serverUrl.includes(',')) return serverUrl.split(',').map((s) => s.trim()).filter(Boolean).map((s) => agentEndpoint(s, agentPort)).join(',');
  const url = new URL(serverUrl.includes('://') ? serverUrl : `https://${serverUrl}`);
  const port = agentPort ? Number(agentPort) : Number(url.port || 6443) + 1;
  return `${url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname}:${port}`;
}

export interface AgentStartOptions {
  server: string;
  token: string;
  nodeName?: string;
  nodeIp?: string;
  dataDir: string;
  agentPort?: string;
  caPem?: string;
  /** The cluster DNS address pods use and this node serves on (default 10.96.0.10); '' = no cluster DNS. */
  clusterDnsIp?: string;
  clusterDomain?: string;
  /** The node's resolv.conf (upstreams of the cluster DNS). */
  resolvConf?: string;
  /** How pods reach other nodes' pods: host-gw (routes via node IPs, one L2 segment) or vxlan (an overlay over L3). */
  podNetwork?: string;
  /** Image GC thresholds in percent of the image store's disk (default 85 / 80). */
  imageGc?: ImageGcPolicy;
  log(msg: string): void;
}

export interface LocalAgent extends RunningAgent {
  /** Removes this node's pod network and Service rules (bridge, routes, nft tables); after stop(). */
  removeNetwork(): Promise<void>;
}

export async function startLocalAgent(opts: AgentStartOptions): Promise<LocalAgent> {
  const images = new ImageService({
    root: join(opts.dataDir, 'images'),
    registries: await loadRegistryConfigDir(join(opts.dataDir, 'registries')),
    gcPolicy: opts.imageGc,
  });
  const mode = opts.podNetwork ?? 'host-gw';
  if (mode !== 'host-gw' && mode !== 'vxlan') throw new Error(`--pod-network must be host-gw or vxlan, got "${mode}"`);
  const nodeIp = opts.nodeIp ?? defaultNodeIp();
  // Under the overlay, pods' packets must fit the underlay with VXLAN's headers added.
  const mtu = mode === 'vxlan' ? (await underlayMtu(nodeIp)) - VXLAN_OVERHEAD : undefined;
  const network = new NodePodNetwork({ dataDir: opts.dataDir, warn: opts.log, mtu });
  const serviceProxy = new ServiceProxy();
  const nodeRoutes = mode === 'vxlan' ? new VxlanRoutes({ nodeIp, mtu: mtu!, podCidr: () => network.podCidr() }) : new HostGatewayRoutes();
  // Cluster DNS before the agent, so the first pods already resolve Service names.
  // A node without it (the address taken, e.g. by another agent here) still runs pods: they resolve as the node does.
  const dns = opts.clusterDnsIp === '' ? undefined : await startClusterDns({
    ip: opts.clusterDnsIp ?? DEFAULT_CLUSTER_DNS_IP,
    domain: opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    resolvConfPath: opts.resolvConf,
  }).catch((err: Error) => {
    opts.log(`error: ${err.message}; running without cluster DNS`);
    return undefined;
  });
  if (dns) opts.log(`cluster DNS on ${dns.ip}:${dns.port} for ${dns.domain} (upstreams: ${dns.upstreams.join(', ') || 'none'})`);
  const servers = agentServers({ server: opts.server, agentPort: opts.agentPort, dataDir: opts.dataDir, log: opts.log });
  let agent: RunningAgent;
  try {
    agent = await startAgent({
      server: servers.target,
      token: opts.token,
      nodeName: opts.nodeName ?? hostname().toLowerCase(),
      nodeIp,
      dataDir: opts.dataDir,
      images,
      caPem: opts.caPem,
      log: agentLogger(opts.log),
      network,
      serviceProxy: servers.learnFrom(dns ? withClusterDns(serviceProxy, dns) : serviceProxy),
      nodeRoutes,
      clusterDns: dns ? { ip: dns.ip, domain: dns.domain } : undefined,
    });
  } catch (err) {
    await dns?.stop();
    throw err;
  }
  const stopAgent = agent.stop.bind(agent);
  return Object.assign(agent, {
    async stop() {
      await stopAgent();
      await dns?.stop();
    },
    removeNetwork: async () => {
      await serviceProxy.remove();
      await nodeRoutes.remove();
      await network.removeNode();
      await dns?.removeAddress();
    },
  });
}

/** The Services/Endpoints view feeds both the node's Service rules and its DNS records. */
function withClusterDns(proxy: ServiceProxy, dns: ClusterDns): Pick<ServiceProxy, 'sync'> {
  return {
    sync(services, endpoints) {
      dns.update(services, endpoints);
      return proxy.sync(services, endpoints);
    },
  };
}

export async function runAgent(flags: AgentFlags): Promise<number> {
  const { readFileSync } = await import('node:fs');
  const token = flags.token ?? (flags['token-file'] ? readFileSync(flags['token-file'], 'utf8').trim() : undefined);
  if (!flags.server || !token) {
    console.error('kapstan agent: --server URL and --token TOKEN (or --token-file FILE) are required');
    return 1;
  }
  const log = (msg: string) => console.error(`${new Date().toISOString()} ${msg}`);
  const agent = await startLocalAgent({
    server: flags.server,
    token,
    nodeName: flags['node-name'],
    nodeIp: flags['node-ip'],
    dataDir: flags['data-dir'] ?? '/var/lib/kapstan/agent',
    agentPort: flags['agent-port'],
    clusterDnsIp: flags['cluster-dns'],
    clusterDomain: flags['cluster-domain'],
    resolvConf: flags['resolv-conf'],
    podNetwork: flags['pod-network'],
    imageGc: imageGcPolicy(flags['image-gc-high-threshold'], flags['image-gc-low-threshold']),
    log,
  });
  log(`agent for node ${agent.nodeName} running (data in ${agent.dataDir})`);
  await waitForSignal(log);
  // Containers keep running: their monitors own them, and the next agent re-adopts them.
  await agent.stop();
  return 0;
}

export function waitForSignal(log: (msg: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const stop = (sig: string) => {
      log(`received ${sig}, stopping`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

function agentLogger(log: (msg: string) => void): Logger {
  const line = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    log(`${level} ${msg}${fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : ''}`);
  return { info: line('info'), warn: line('warn'), error: line('error') };
}
