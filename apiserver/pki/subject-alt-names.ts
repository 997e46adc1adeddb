// Subject alternative names of the serving certificate: which names and
// addresses clients may dial the apiserver by, normalised so that the list
// wanted now can be compared with the list in an existing certificate.
import { hostname } from 'node:os';
import { isIP, isIPv4 } from 'node:net';

export interface SubjectAltNames {
  dns: string[];
  ips: string[];
}

/**
 * Names every serving certificate carries: loopback, this host, and the names
 * pods use for the `kubernetes` Service in the default namespace.
 */
export function defaultSubjectAltNames(hostName = hostname()): string[] {
  return [
    'localhost', '127.0.0.1', '::1',
    // A host name that is not a valid DNS name cannot go in a certificate.
    ...(isDnsName(hostName) ? [hostName] : []),
    'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local',
  ];
}

/** Splits names into DNS names and IP addresses, canonical, deduplicated and sorted. */
export function normalizeSubjectAltNames(names: Iterable<string>): SubjectAltNames {
  const dns = new Set<string>();
  const ips = new Set<string>();
  for (const raw of names) {
    const name = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (name === '') continue;
    if (isIP(name)) ips.add(canonicalIp(name));
    else if (isDnsName(name)) dns.add(name.toLowerCase());
    else throw new Error(`invalid subject alternative name ${JSON.stringify(raw)}: neither an IP address nor a DNS name`);
  }
  return { dns: [...dns].sort(), ips: [...ips].sort() };
}

export function isDnsName(name: string): boolean {
  return name.length <= 253 && /^(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/.test(name);
}

export function sameSubjectAltNames(a: SubjectAltNames, b: SubjectAltNames): boolean {
  const key = (s: SubjectAltNames) => JSON.stringify([s.dns, s.ips]);
  return key(a) === key(b);
}

/**
 * One spelling per address: IPv4 as dotted quad, IPv6 as eight lower-case hex
 * groups without leading zeros (so "::1" and "0:0:0:0:0:0:0:1" compare equal).
 */
export function canonicalIp(ip: string): string {
  if (isIPv4(ip)) return ip.split('.').map((part) => String(Number(part))).join('.');
  if (!isIP(ip)) throw new Error(`not an IP address: ${ip}`);
  let text = ip.toLowerCase().replace(/%.*$/, '');
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4Tail) {
    const [a, b, c, d] = v4Tail.slice(1).map(Number);
    text = text.slice(0, v4Tail.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((g) => parseInt(g, 16).toString(16)).join(':');
}
