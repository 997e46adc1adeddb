// The cluster DNS zone as a pure in-memory index, built from Services and
// Endpoints (the same plain Kubernetes JSON the service proxy consumes) and
// answering what the Kubernetes DNS specification asks for:
//   SERVICE.NS.svc.ZONE               A   ClusterIP, or each ready endpoint (headless)
//   HOST.SERVICE.NS.svc.ZONE          A   one ready endpoint of a headless Service
//   _PORT._PROTO.SERVICE.NS.svc.ZONE  SRV named ports
//   A-B-C-D.NS.pod.ZONE               A   any dashed IPv4 (like CoreDNS "pods insecure")
//   SERVICE.NS.svc.ZONE               CNAME spec.externalName (ExternalName Services)
// Names inside the zone it does not know are NXDOMAIN; names outside it are
// the server's to forward. Search paths and ndots are the client's job.

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export interface DnsServiceObject {
  metadata: { namespace?: string; name?: string };
  spec?: {
    type?: string;
    clusterIP?: string;
    externalName?: string;
    ports?: Array<{ name?: string; protocol?: string; port: number }>;
  };
}

export interface DnsEndpointAddress {
  ip: string;
  hostname?: string;
}

export interface DnsEndpointsObject {
  metadata: { namespace?: string; name?: string };
  subsets?: Array<{
    /** Ready addresses only; notReadyAddresses are never published. */
    addresses?: DnsEndpointAddress[];
    notReadyAddresses?: DnsEndpointAddress[];
    ports?: Array<{ name?: string; port: number; protocol?: string }>;
  }>;
}

export interface SrvTarget {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export type ClusterRecord =
  | { type: 'A'; name: string; address: string }
  | ({ type: 'SRV'; name: string } & SrvTarget)
  | { type: 'CNAME'; name: string; target: string };

export type ClusterLookup =
  /** NOERROR; `records` may be empty (the name exists, but not with this type). */
  | { kind: 'answer'; records: ClusterRecord[] }
  | { kind: 'nxdomain' }
  /** Not in the cluster domain: forward it. */
  | { kind: 'outside' };

/** What the DNS server asks of its zone; lets the agent swap indexes as Services change. */
export interface ClusterRecordSource {
  readonly clusterDomain: string;
  lookup(name: string, type: string): ClusterLookup;
}

interface NameData {
  a: string[];
  srv: SrvTarget[];
  cname?: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const DASHED_IPV4 = /^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$/;

const isIpv4 = (s: string | undefined): s is string => !!s && IPV4.test(s) && s.split('.').every((o) => Number(o) <= 255);

/** Lower case, no trailing dot: the form every name is indexed and looked up in. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

export class ClusterDnsRecords implements ClusterRecordSource {
  readonly clusterDomain: string;
  private readonly names = new Map<string, NameData>();
  /** Names that exist only because something lives below them (answered NOERROR, no data). */
  private readonly interiorNames = new Set<string>();

  constructor(services: DnsServiceObject[], endpoints: DnsEndpointsObject[], opts: { clusterDomain?: string } = {}) {
    this.clusterDomain = normalizeName(opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN);
    for (const zoneName of [this.clusterDomain, `svc.${this.clusterDomain}`, `pod.${this.clusterDomain}`]) {
      this.interiorNames.add(zoneName);
    }
    const endpointsByKey = new Map(endpoints.map((e) => [`${e.metadata.namespace ?? ''}/${e.metadata.name ?? ''}`, e]));
    for (const svc of services) {
      const { namespace, name } = svc.metadata;
      if (!namespace || !name) continue;
      this.addService(svc, endpointsByKey.get(`${namespace}/${name}`));
    }
  }

  lookup(name: string, type: string): ClusterLookup {
    const fqdn = normalizeName(name);
    if (fqdn !== this.clusterDomain && !fqdn.endsWith(`.${this.clusterDomain}`)) return { kind: 'outside' };
    const data = this.names.get(fqdn) ?? this.podName(fqdn);
    if (!data) return this.interiorNames.has(fqdn) ? { kind: 'answer', records: [] } : { kind: 'nxdomain' };
    // A CNAME is the name's only record and answers every type; the server chases its target.
    if (data.cname) return { kind: 'answer', records: [{ type: 'CNAME', name: fqdn, target: data.cname }] };
    const records: ClusterRecord[] = [];
    if (type === 'A' || type === 'ANY') for (const address of data.a) records.push({ type: 'A', name: fqdn, address });
    if (type === 'SRV' || type === 'ANY') for (const srv of data.srv) records.push({ type: 'SRV', name: fqdn, ...srv });
    return { kind: 'answer', records };
  }

  private addService(svc: DnsServiceObject, endpoints: DnsEndpointsObject | undefined): void {
    const spec = svc.spec ?? {};
    const serviceName = `${svc.metadata.name}.${svc.metadata.namespace}.svc.${this.clusterDomain}`.toLowerCase();
    if (spec.type === 'ExternalName') {
      const target = normalizeName(spec.externalName ?? '');
      if (target && target !== serviceName) this.entry(serviceName).cname = target;
      return;
    }
    const headless = spec.clusterIP === 'None';
    const service = this.entry(serviceName);

    if (!headless) {
      if (isIpv4(spec.clusterIP)) service.a.push(spec.clusterIP);
      for (const port of spec.ports ?? []) {
        if (!port.name) continue;
        const srvName = `_${port.name}._${(port.protocol ?? 'TCP').toLowerCase()}.${serviceName}`.toLowerCase();
        this.entry(srvName).srv.push({ priority: 0, weight: 100, port: port.port, target: serviceName });
      }
      return;
    }

    // Headless: every ready endpoint, each under its own name (its hostname, or its dashed IP).
    const seenIps = new Set<string>();
    for (const subset of endpoints?.subsets ?? []) {
      for (const address of subset.addresses ?? []) {
        if (!isIpv4(address.ip)) continue;
        const endpointName = `${(address.hostname || address.ip.replace(/\./g, '-')).toLowerCase()}.${serviceName}`;
        if (!seenIps.has(address.ip)) service.a.push(address.ip);
        seenIps.add(address.ip);
        const endpoint = this.entry(endpointName);
        if (!endpoint.a.includes(address.ip)) endpoint.a.push(address.ip);
        for (const port of subset.ports ?? []) {
          if (!port.name) continue;
          const srvName = `_${port.name}._${(port.protocol ?? 'TCP').toLowerCase()}.${serviceName}`.toLowerCase();
          const srv = this.entry(srvName).srv;
          if (!srv.some((s) => s.target === endpointName && s.port === port.port)) {
            srv.push({ priority: 0, weight: 100, port: port.port, target: endpointName });
          }
        }
      }
    }
  }

  private entry(fqdn: string): NameData {
    let data = this.names.get(fqdn);
    if (!data) {
      data = { a: [], srv: [] };
      this.names.set(fqdn, data);
      // Every ancestor down to the zone exists too (NOERROR, no data), e.g. "_tcp.web.ns.svc.ZONE".
      for (let parent = fqdn.slice(fqdn.indexOf('.') + 1); parent.length > this.clusterDomain.length; parent = parent.slice(parent.indexOf('.') + 1)) {
        this.interiorNames.add(parent);
      }
    }
    return data;
  }

  /** A-B-C-D.NAMESPACE.pod.ZONE → A-B-C-D's IP, whether or not such a pod exists. */
  private podName(fqdn: string): NameData | undefined {
    const suffix = `.pod.${this.clusterDomain}`;
    if (!fqdn.endsWith(suffix)) return undefined;
    const labels = fqdn.slice(0, -suffix.length).split('.');
    if (labels.length !== 2) return undefined;
    const match = DASHED_IPV4.exec(labels[0]);
    if (!match) return undefined;
    const ip = match.slice(1, 5).map(Number).join('.');
    return isIpv4(ip) ? { a: [ip], srv: [] } : undefined;
  }
}
