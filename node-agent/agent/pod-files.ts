// The pod's /etc/hosts and /etc/resolv.conf: written once per pod in its directory and bind-mounted into
// every container that does not mount something of its own there (as the kubelet and the CRI runtimes do).
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { formatResolvConf, parseResolvConf, podResolvConf, type ResolvConf } from '../dns/resolv-conf';
import type { OciMount } from '../runtime/oci-spec';
import type { ContainerSpec, Pod } from './pod-types';

export interface ClusterDns {
  ip: string;
  domain?: string;
}

const MANAGED_HOSTS = `# Kubernetes-managed hosts file.
127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
fe00::0\tip6-mcastprefix
fe00::1\tip6-allnodes
fe00::2\tip6-allrouters
`;

function hostAliasLines(pod: Pod): string {
  const aliases = pod.spec.hostAliases ?? [];
  if (!aliases.length) return '';
  return `\n# Entries added by HostAliases.\n${aliases.map((a) => `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`).join('')}`;
}

/**
 * The kubelet's hosts file: localhost lines, the pod's IPs with its hostname (and FQDN when it has a
 * subdomain), then hostAliases. A host-network pod gets the node's own file with the aliases appended.
 */
export function podHostsFile(pod: Pod, ctx: { podIPs: string[]; hostname: string; clusterDomain?: string; nodeHosts?: string }): string {
  if (pod.spec.hostNetwork) {
    return `# Kubernetes-managed hosts file (host network).\n${ctx.nodeHosts ?? ''}${hostAliasLines(pod)}`;
  }
  let out = MANAGED_HOSTS;
  const domain = (ctx.clusterDomain ?? 'cluster.local').replace(/\.+$/, '');
  for (const ip of ctx.podIPs) {
    out += pod.spec.subdomain
      ? `${ip}\t${ctx.hostname}.${pod.spec.subdomain}.${pod.metadata.namespace ?? 'default'}.svc.${domain}\t${ctx.hostname}\n`
      : `${ip}\t${ctx.hostname}\n`;
  }
  return out + hostAliasLines(pod);
}

/**
 * The pod's resolv.conf. Without a cluster DNS server, ClusterFirst (and ClusterFirstWithHostNet) fall
 * back to the node's resolver as Default does, as the kubelet does when it has no --cluster-dns.
 */
export function podResolvConfFor(pod: Pod, clusterDns: ClusterDns | undefined, node: ResolvConf): ResolvConf {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const noClusterDns = !clusterDns && (policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet');
  const spec = noClusterDns ? { ...pod.spec, dnsPolicy: 'Default' } : pod.spec;
  return podResolvConf({ metadata: pod.metadata, spec }, { clusterDnsIP: clusterDns?.ip ?? '', clusterDomain: clusterDns?.domain, node });
}

/** Loopback resolvers (systemd-resolved's stub) are unreachable from a pod: use the real upstream list. */
const SYSTEMD_RESOLVED_UPSTREAM = '/run/systemd/resolve/resolv.conf';

export function nodeResolvConf(path = '/etc/resolv.conf'): ResolvConf {
  const read = (p: string) => (existsSync(p) ? parseResolvConf(readFileSync(p, 'utf8')) : { nameservers: [], searches: [], options: [] });
  const conf = read(path);
  const loopbackOnly = conf.nameservers.length > 0 && conf.nameservers.every((ns) => ns.startsWith('127.') || ns === '::1');
  if (loopbackOnly && existsSync(SYSTEMD_RESOLVED_UPSTREAM)) return read(SYSTEMD_RESOLVED_UPSTREAM);
  return conf;
}

export interface PodFilePaths {
  hosts: string;
  resolvConf: string;
}

export function podFilePaths(podDir: string): PodFilePaths {
  return { hosts: join(podDir, 'etc-hosts'), resolvConf: join(podDir, 'resolv.conf') };
}

async function writeOnce(path: string, content: string): Promise<void> {
  if (existsSync(path)) return; // containers hold it by bind mount: it must stay the same inode
  await writeFile(`${path}.tmp`, content, { mode: 0o644 });
  await rename(`${path}.tmp`, path);
}

/** Writes the pod's hosts and resolv.conf files unless they exist already (kept for the pod's life). */
export async function writePodFiles(podDir: string, pod: Pod, ctx: {
  podIPs: string[]; hostname: string; clusterDns?: ClusterDns; nodeResolv?: ResolvConf; nodeHostsPath?: string;
}): Promise<PodFilePaths> {
  const paths = podFilePaths(podDir);
  const nodeHosts = pod.spec.hostNetwork ? readFileSync(ctx.nodeHostsPath ?? '/etc/hosts', 'utf8') : undefined;
  await writeOnce(paths.hosts, podHostsFile(pod, { podIPs: ctx.podIPs, hostname: ctx.hostname, clusterDomain: ctx.clusterDns?.domain, nodeHosts }));
  await writeOnce(paths.resolvConf, formatResolvConf(podResolvConfFor(pod, ctx.clusterDns, ctx.nodeResolv ?? nodeResolvConf())));
  return paths;
}

/** Bind mounts of the pod's files, except where the container mounts something of its own. */
export function podFileMounts(c: ContainerSpec, paths: PodFilePaths): OciMount[] {
  const own = new Set((c.volumeMounts ?? []).map((m) => posix.normalize(m.mountPath)));
  const rw = c.securityContext?.readOnlyRootFilesystem ? 'ro' : 'rw';
  const files: [string, string][] = [['/etc/hosts', paths.hosts], ['/etc/resolv.conf', paths.resolvConf]];
  return files
    .filter(([dest]) => !own.has(dest))
    .map(([destination, source]) => ({ destination, type: 'bind', source, options: ['rbind', 'rprivate', rw] }));
}
