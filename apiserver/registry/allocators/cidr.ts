// IPv4 CIDR arithmetic for the allocators: addresses as unsigned 32-bit numbers.

export interface Ipv4Cidr {
  /** The network address as a number. */
  base: number;
  prefixLength: number;
  /** How many addresses the range holds (2^(32 - prefix)). */
  size: number;
}

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function parseCidr(text: string): Ipv4Cidr {
  const [addr, len] = text.split('/');
  const ip = parseIpv4(addr ?? '');
  const prefixLength = Number(len);
  if (ip === undefined || !/^\d{1,2}$/.test(len ?? '') || prefixLength > 32) throw new Error(`not an IPv4 CIDR: ${text}`);
  const size = 2 ** (32 - prefixLength);
  return { base: ip - (ip % size), prefixLength, size };
}

export function cidrContains(cidr: Ipv4Cidr, ip: number): boolean {
  return ip >= cidr.base && ip < cidr.base + cidr.size;
}

export function formatCidr(base: number, prefixLength: number): string {
  return `${formatIpv4(base)}/${prefixLength}`;
}
