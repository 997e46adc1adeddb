// Compose `ports:` and `expose:` entries, short and long syntax, as a list of
// single container ports (ranges expanded).
import { Warnings, isMap, scalarString } from './warnings';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface PortSpec {
  /** The container port. */
  target: number;
  /** The port on the machine, when published. */
  published?: number;
  hostIp?: string;
  protocol: Protocol;
  name?: string;
  appProtocol?: string;
}

const PROTOCOLS: Record<string, Protocol> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };

export function parsePorts(value: unknown, path: string, warnings: Warnings): PortSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    warnings.add(path, 'must be a list; ignored');
    return [];
  }
  return value.flatMap((entry, i) => {
    const where = `${path}[${i}]`;
    const text = scalarString(entry);
    const specs = text !== undefined ? parseShortPort(text, where, warnings) : isMap(entry) ? parseLongPort(entry, where, warnings) : undefined;
    if (specs === undefined) warnings.add(where, `cannot read port ${JSON.stringify(entry)}; ignored`);
    return specs ?? [];
  });
}

/** `expose:` entries: `"3000"`, `"8000-8010"`, `"80/udp"`. */
export function parseExpose(value: unknown, path: string, warnings: Warnings): PortSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    warnings.add(path, 'must be a list; ignored');
    return [];
  }
  return value.flatMap((entry, i) => {
    const m = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(scalarString(entry) ?? '');
    const protocol = m && protocolOf(m[3]);
    if (!m || !protocol) {
      warnings.add(`${path}[${i}]`, `cannot read port ${JSON.stringify(entry)}; ignored`);
      return [];
    }
    return range(m[1], m[2]).map((target) => ({ target, protocol }));
  });
}

// [HOST_IP:][PUBLISHED[-END]:]TARGET[-END][/PROTOCOL]; HOST_IP may be [v6].
function parseShortPort(text: string, where: string, warnings: Warnings): PortSpec[] | undefined {
  const m = /^(?:(\[[^\]]+\]|[^:[\]]+):(?=[^:]*:))?(?:(\d*)(?:-(\d+))?:)?(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(text.trim());
  if (!m) return undefined;
  const [, hostIpRaw, pubStart, pubEnd, targetStart, targetEnd, proto] = m;
  const protocol = protocolOf(proto);
  if (!protocol) return undefined;
  const hostIp = hostIpRaw?.replace(/^\[|\]$/g, '');
  const targets = range(targetStart, targetEnd);
  const published = pubStart ? range(pubStart, pubEnd) : [];
  if (published.length > 0 && published.length !== targets.length) {
    if (targets.length !== 1) return undefined;
    warnings.add(where, `a range of published ports for one container port is not supported; publishing ${published[0]}`);
  }
  if (hostIpRaw && !pubStart) warnings.add(where, 'an ephemeral published port is not supported; the port is reachable inside the cluster only');
  return targets.map((target, i) => ({
    target,
    protocol,
    ...(published.length ? { published: published[Math.min(i, published.length - 1)] } : {}),
    ...(hostIp && published.length ? { hostIp } : {}),
  }));
}

function parseLongPort(entry: Record<string, unknown>, where: string, warnings: Warnings): PortSpec[] | undefined {
  warnings.unknownKeys(where, entry, ['target', 'published', 'host_ip', 'protocol', 'name', 'app_protocol'], {
    mode: 'not supported; published ports are a hostPort or a NodePort',
  });
  const target = Number(scalarString(entry.target));
  const protocol = protocolOf(scalarString(entry.protocol));
  if (!Number.isInteger(target) || !protocol) return undefined;
  const spec: PortSpec = { target, protocol };
  const published = scalarString(entry.published);
  if (published !== undefined && published !== '') {
    const m = /^(\d+)(?:-(\d+))?$/.exec(published);
    if (!m) return undefined;
    if (m[2]) warnings.add(`${where}.published`, `a range of published ports is not supported; publishing ${m[1]}`);
    spec.published = Number(m[1]);
    if (typeof entry.host_ip === 'string' && entry.host_ip !== '') spec.hostIp = entry.host_ip;
  }
  if (typeof entry.name === 'string') spec.name = entry.name;
  if (typeof entry.app_protocol === 'string') spec.appProtocol = entry.app_protocol;
  return [spec];
}

function protocolOf(text: string | undefined): Protocol | undefined {
  return PROTOCOLS[(text ?? 'tcp').toLowerCase()];
}

function range(start: string, end: string | undefined): number[] {
  const a = Number(start);
  const b = end === undefined ? a : Number(end);
  const out: number[] = [];
  for (let p = a; p <= b && out.length < 1000; p++) out.push(p);
  return out;
}
