// A pod's /etc/resolv.conf, as the kubelet writes it from dnsPolicy and
// dnsConfig (pkg/kubelet/network/dns/dns.go). Pure: the node's own
// resolv.conf in, the pod's file out. The node's nameservers are also what the
// cluster DNS server forwards outside names to.
import { DEFAULT_CLUSTER_DOMAIN } from './records';

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  /** Each "name" or "name:value" (e.g. "ndots:5"). */
  options: string[];
}

export interface PodDnsSpec {
  metadata: { namespace?: string };
  spec?: {
    dnsPolicy?: string;
    hostNetwork?: boolean;
    dnsConfig?: {
      nameservers?: string[];
      searches?: string[];
      options?: Array<{ name: string; value?: string }>;
    };
  };
}

export interface PodResolvConfContext {
  /** Where pods reach the cluster DNS server. */
  clusterDnsIP: string;
  clusterDomain?: string;
  /** The node's resolv.conf, for dnsPolicy Default and for the extra search domains of ClusterFirst. */
  node: ResolvConf;
}

/** The resolver caps these (glibc: 3 nameservers); Kubernetes caps search paths at 32. */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const [keyword, ...values] = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (keyword === 'nameserver' && values[0]) conf.nameservers.push(values[0]);
    // The last "search" (or "domain") line wins, as in glibc.
    else if (keyword === 'search' || keyword === 'domain') conf.searches = values.filter(Boolean);
    else if (keyword === 'options') conf.options = mergeOptions(conf.options, values.filter(Boolean));
  }
  return conf;
}

export function formatResolvConf(conf: ResolvConf): string {
  const lines = conf.nameservers.map((ns) => `nameserver ${ns}`);
  if (conf.searches.length) lines.push(`search ${conf.searches.join(' ')}`);
  if (conf.options.length) lines.push(`options ${conf.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** The pod's resolv.conf for its dnsPolicy (ClusterFirst by default), with dnsConfig merged in. */
export function podResolvConf(pod: PodDnsSpec, ctx: PodResolvConfContext): ResolvConf {
  const spec = pod.spec ?? {};
  const zone = (ctx.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN).replace(/\.+$/, '');
  const policy = spec.dnsPolicy ?? 'ClusterFirst';
  let base: ResolvConf;
  // A host-network pod with plain ClusterFirst resolves like its node (ClusterFirstWithHostNet opts in).
  const useCluster = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !spec.hostNetwork);
  if (useCluster) {
    const namespace = pod.metadata.namespace ?? 'default';
    base = {
      nameservers: [ctx.clusterDnsIP],
      searches: [`${namespace}.svc.${zone}`, `svc.${zone}`, zone, ...ctx.node.searches],
      options: ['ndots:5'],
    };
  } else if (policy === 'None') {
    base = { nameservers: [], searches: [], options: [] };
  } else {
    base = { nameservers: [...ctx.node.nameservers], searches: [...ctx.node.searches], options: [...ctx.node.options] };
  }
  const extra = spec.dnsConfig ?? {};
  const extraOptions = (extra.options ?? []).map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`));
  return {
    nameservers: unique([...base.nameservers, ...(extra.nameservers ?? [])]).slice(0, MAX_NAMESERVERS),
    searches: unique([...base.searches, ...(extra.searches ?? [])]).slice(0, MAX_SEARCHES),
    options: mergeOptions(base.options, extraOptions),
  };
}

const unique = (xs: string[]) => [...new Set(xs)];

/** Later options replace earlier ones of the same name ("ndots:2" replaces "ndots:5"). */
function mergeOptions(base: string[], overrides: string[]): string[] {
  const byName = new Map<string, string>();
  for (const option of [...base, ...overrides]) byName.set(option.split(':')[0], option);
  return [...byName.values()];
}
