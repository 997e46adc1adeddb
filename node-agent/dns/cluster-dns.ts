// The node's cluster DNS: the DNS server bound on the cluster DNS address
// (kube-dns' conventional ClusterIP 10.96.0.10 by default) in the node's
// network namespace, as NodeLocal DNSCache does. The address sits on its own
// link (`kapdns0`), so it is local on every node before the node has a pod
// subnet: pods send to it through their gateway and their own node answers.
// Records follow the agent's Services/Endpoints view; other names go to the
// node's resolvers (from its resolv.conf). Runs in this process's network
// namespace, which must be the node's.
import { readFile } from 'node:fs/promises';
import { startDnsServer, type DnsServer } from './dns-server';
import { ClusterDnsRecords, DEFAULT_CLUSTER_DOMAIN, type DnsEndpointsObject, type DnsServiceObject } from './records';
import { parseResolvConf } from './resolv-conf';
import { DnsAddress } from './dns-address';

export const DEFAULT_CLUSTER_DNS_IP = '10.96.0.10';

export interface ClusterDnsOptions {
  /** Where pods reach the server (pods' resolv.conf nameserver). */
  ip?: string;
  domain?: string;
  /** The node's resolv.conf: its nameservers become the upstreams. */
  resolvConfPath?: string;
  port?: number;
  upstreamTimeoutMs?: number;
}

export interface ClusterDns {
  ip: string;
  domain: string;
  port: number;
  upstreams: string[];
  /** Rebuilds the zone from the current Services and Endpoints. */
  update(services: DnsServiceObject[], endpoints: DnsEndpointsObject[]): void;
  /** Stops answering; the address stays for the next agent. */
  stop(): Promise<void>;
  /** Removes the address and its link (after stop(), when the node leaves). */
  removeAddress(): Promise<void>;
}

/** The upstreams in a resolv.conf, without the cluster DNS address itself (no forwarding loop). */
export function upstreamsFrom(resolvConf: string, clusterDnsIp: string): string[] {
  return parseResolvConf(resolvConf).nameservers.filter((ns) => ns !== clusterDnsIp);
}

export async function startClusterDns(opts: ClusterDnsOptions = {}): Promise<ClusterDns> {
  const ip = opts.ip ?? DEFAULT_CLUSTER_DNS_IP;
  const domain = (opts.domain ?? DEFAULT_CLUSTER_DOMAIN).replace(/\.+$/, '');
  const resolvConf = await readFile(opts.resolvConfPath ?? '/etc/resolv.conf', 'utf8').catch(() => '');
  const upstreams = upstreamsFrom(resolvConf, ip);
  const address = new DnsAddress(ip);
  await address.ensure();
  const port = opts.port ?? 53;
  const server: DnsServer = await startDnsServer({
    host: ip,
    port,
    records: new ClusterDnsRecords([], [], { clusterDomain: domain }),
    upstream: upstreams,
    upstreamTimeoutMs: opts.upstreamTimeoutMs,
  }).catch((err: NodeJS.ErrnoException) => {
    const why = err.code === 'EADDRINUSE' ? ' (another agent in this network namespace serves it already?)' : '';
    throw new Error(`cluster DNS cannot listen on ${ip}:${port}: ${err.message}${why}`);
  });
  return {
    ip,
    domain,
    port: server.port,
    upstreams,
    update(services, endpoints) {
      server.setRecords(new ClusterDnsRecords(services, endpoints, { clusterDomain: domain }));
    },
    stop: () => server.stop(),
    removeAddress: () => address.remove(),
  };
}
