// What kube-proxy does, as one nftables table: Services' ClusterIP:port and
// NodePorts DNAT to a random ready endpoint (numgen), with masquerade for
// hairpin traffic (a pod reaching itself through its Service) and for NodePort
// traffic. NodePorts answer on every local address, from the node itself on
// 127.0.0.1 too (nat output; route_localnet and the drop of loopback-addressed
// packets from the wire are localnet.ts's; the NodePort mark masquerades the
// loopback source). Pure: Services + Endpoints in, an `nft -f` script out: the whole
// table at first, then only what changed; either way one transaction.
import { createHash } from 'node:crypto';

export const SERVICE_TABLE = 'kapstan';
/** Packet mark meaning "masquerade on the way out" (kube-proxy's 0x4000). */
export const MASQUERADE_MARK = 0x4000;

export interface ServicePortSpec {
  name?: string;
  protocol?: string;
  port: number;
  nodePort?: number;
}

export interface ServiceObject {
  metadata: { namespace?: string; name?: string };
  spec?: {
    type?: string;
    clusterIP?: string;
    ports?: ServicePortSpec[];
    sessionAffinity?: string;
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  };
}

export interface EndpointsObject {
  metadata: { namespace?: string; name?: string };
  subsets?: Array<{
    addresses?: Array<{ ip: string }>;
    ports?: Array<{ name?: string; port: number; protocol?: string }>;
  }>;
}

export interface ServiceBackend {
  ip: string;
  port: number;
}

export interface ServiceRule {
  /** namespace/name:port-name, for comments and chain names. */
  id: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  clusterIP?: string;
  port: number;
  nodePort?: number;
  backends: ServiceBackend[];
  /** sessionAffinity ClientIP: a client keeps its endpoint for this long after its last packet. */
  affinitySeconds?: number;
}

const key = (m: { namespace?: string; name?: string }) => `${m.namespace ?? ''}/${m.name ?? ''}`;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** One rule per Service port that has ready endpoints and a ClusterIP or NodePort. */
export function serviceRules(services: ServiceObject[], endpoints: EndpointsObject[]): ServiceRule[] {
  const endpointsByService = new Map(endpoints.map((e) => [key(e.metadata), e]));
  const rules: ServiceRule[] = [];
  for (const svc of services) {
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') continue;
    const clusterIP = spec.clusterIP && IPV4.test(spec.clusterIP) ? spec.clusterIP : undefined; // not headless
    const affinitySeconds = spec.sessionAffinity === 'ClientIP' ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800 : undefined;
    for (const p of spec.ports ?? []) {
      const nodePort = spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? p.nodePort : undefined;
      if (!clusterIP && !nodePort) continue;
      const protocol = (p.protocol ?? 'TCP').toLowerCase() as ServiceRule['protocol'];
      const backends: ServiceBackend[] = [];
      for (const subset of endpointsByService.get(key(svc.metadata))?.subsets ?? []) {
        // Endpoints name their ports after the Service's (a single port may be unnamed).
        const ep = (subset.ports ?? []).find((q) => (q.name ?? '') === (p.name ?? '') && (q.protocol ?? 'TCP').toLowerCase() === protocol);
        if (!ep) continue;
        for (const a of subset.addresses ?? []) backends.push({ ip: a.ip, port: ep.port });
      }
      if (backends.length === 0) continue; // no ready endpoint: the unreachable route answers
      backends.sort((x, y) => (x.ip === y.ip ? x.port - y.port : x.ip < y.ip ? -1 : 1));
      rules.push({ id: `${key(svc.metadata)}:${p.name ?? p.port}`, protocol, clusterIP, port: p.port, nodePort, backends, affinitySeconds });
    }
  }
  return rules.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const chainId = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
const comment = (text: string) => `comment "${text.replace(/["\\]/g, '')}"`;

/** The table's variable part: verdict map elements and the per-Service/per-endpoint chains. */
export interface ServiceTable {
  /** `ip . proto . port` → verdict. */
  serviceIps: Map<string, string>;
  /** `proto . port` → verdict. */
  nodePorts: Map<string, string>;
  /** chain name → its rules. */
  chains: Map<string, string[]>;
  /** set name → its declaration body (affinity sets: client IPs that recently used an endpoint). */
  sets: Map<string, string>;
}

export function serviceTable(rules: ServiceRule[]): ServiceTable {
  const t: ServiceTable = { serviceIps: new Map(), nodePorts: new Map(), chains: new Map(), sets: new Map() };
  for (const r of rules) {
    const svcChain = `svc-${chainId(r.id)}`;
    if (r.clusterIP) t.serviceIps.set(`${r.clusterIP} . ${r.protocol} . ${r.port}`, `goto ${svcChain}`);
    const epChains = r.backends.map((b) => `ep-${chainId(`${r.id}@${b.ip}:${b.port}`)}`);
    const pick = epChains.length === 1
      ? `goto ${epChains[0]}`
      : `numgen random mod ${epChains.length} vmap { ${epChains.map((c, i) => `${i} : goto ${c}`).join(', ')} }`;
    // ClientIP affinity: a client seen recently by an endpoint goes back to it (kube-proxy's scheme);
    // the timeout is in the set's name, so a changed timeout makes a new set.
    const affinitySets = r.affinitySeconds ? epChains.map((c) => `aff-${chainId(`${c}/${r.affinitySeconds}`)}`) : [];
    for (const set of affinitySets) t.sets.set(set, `type ipv4_addr; flags dynamic,timeout; timeout ${r.affinitySeconds}s;`);
    t.chains.set(svcChain, [...affinitySets.map((set, i) => `ip saddr @${set} goto ${epChains[i]}`), `${pick} ${comment(r.id)}`]);
    if (r.nodePort) {
      // Traffic through a NodePort may come from anywhere: replies must come back through this node.
      const npChain = `nodeport-${chainId(r.id)}`;
      t.nodePorts.set(`${r.protocol} . ${r.nodePort}`, `goto ${npChain}`);
      t.chains.set(npChain, [`meta mark set meta mark | ${MASQUERADE_MARK}`, `goto ${svcChain}`]);
    }
    r.backends.forEach((b, i) => {
      t.chains.set(epChains[i], [
        // Hairpin: a pod reaching itself through its Service.
        `ip saddr ${b.ip} meta mark set meta mark | ${MASQUERADE_MARK}`,
        ...(affinitySets.length ? [`update @${affinitySets[i]} { ip saddr }`] : []),
        `meta l4proto ${r.protocol} dnat to ${b.ip}:${b.port}`,
      ]);
    });
  }
  return t;
}

const elements = (m: Map<string, string>) => [...m].map(([k, v]) => `${k} : ${v}`).join(',\n      ');

/** The script replacing the whole table (declare, delete, create) in one transaction. */
export function fullScript(t: ServiceTable, table = SERVICE_TABLE): string {
  const out = [`table ip ${table} {}`, `delete table ip ${table}`, `table ip ${table} {`];
  out.push(
    '  map service-ips {',
    '    type ipv4_addr . inet_proto . inet_service : verdict',
    ...(t.serviceIps.size ? [`    elements = { ${elements(t.serviceIps)} }`] : []),
    '  }',
    '  map node-ports {',
    '    type inet_proto . inet_service : verdict',
    ...(t.nodePorts.size ? [`    elements = { ${elements(t.nodePorts)} }`] : []),
    '  }',
    '  chain services {',
    '    ip daddr . meta l4proto . th dport vmap @service-ips',
    '    fib daddr type local meta l4proto . th dport vmap @node-ports',
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    jump services',
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    '    jump services',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    meta mark & ${MASQUERADE_MARK} == ${MASQUERADE_MARK} masquerade`,
    '  }',
  );
  for (const [name, body] of t.sets) out.push(`  set ${name} { ${body} }`);
  for (const [name, rules] of t.chains) out.push(`  chain ${name} {`, ...rules.map((r) => `    ${r}`), '  }');
  out.push('}', '');
  return out.join('\n');
}

/**
 * The script turning table `prev` into `next` in one transaction, touching only
 * what changed (so a change costs the same at 10 or 10,000 endpoints); '' if nothing did.
 */
export function updateScript(prev: ServiceTable, next: ServiceTable, table = SERVICE_TABLE): string {
  const out: string[] = [];
  const mapDelta = (map: string, before: Map<string, string>, after: Map<string, string>) => {
    const gone = [...before].filter(([k, v]) => after.get(k) !== v).map(([k]) => k);
    const added = new Map([...after].filter(([k, v]) => before.get(k) !== v));
    return {
      remove: gone.length ? [`delete element ip ${table} ${map} { ${gone.join(', ')} }`] : [],
      add: added.size ? [`add element ip ${table} ${map} { ${elements(added)} }`] : [],
    };
  };
  const ips = mapDelta('service-ips', prev.serviceIps, next.serviceIps);
  const ports = mapDelta('node-ports', prev.nodePorts, next.nodePorts);
  // Elements first leave (they may point at chains about to go), chains change, then elements arrive.
  out.push(...ips.remove, ...ports.remove);
  for (const [name, body] of next.sets) if (!prev.sets.has(name)) out.push(`add set ip ${table} ${name} { ${body} }`);
  for (const [name, rules] of next.chains) {
    const before = prev.chains.get(name);
    if (before && before.join('\n') === rules.join('\n')) continue;
    out.push(before ? `flush chain ip ${table} ${name}` : `add chain ip ${table} ${name}`);
    for (const r of rules) out.push(`add rule ip ${table} ${name} ${r}`);
  }
  out.push(...ips.add, ...ports.add);
  // Chains nothing jumps to any more (their referrers were flushed or deleted above).
  const gone = [...prev.chains.keys()].filter((name) => !next.chains.has(name));
  // Referrers before the chains they jump to: NodePort → Service → endpoint.
  const order = (name: string) => (name.startsWith('nodeport-') ? 0 : name.startsWith('svc-') ? 1 : 2);
  gone.sort((a, b) => order(a) - order(b));
  for (const name of gone) out.push(`delete chain ip ${table} ${name}`);
  for (const name of prev.sets.keys()) if (!next.sets.has(name)) out.push(`delete set ip ${table} ${name}`);
  return out.length ? out.join('\n') + '\n' : '';
}

/** The `nft -f` script replacing the table with these rules, atomically. */
export function serviceRuleset(rules: ServiceRule[], table = SERVICE_TABLE): string {
  return fullScript(serviceTable(rules), table);
}
