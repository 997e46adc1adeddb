// IPv4 addresses as numbers, and the few CIDR facts the node network needs.

export interface Ipv4Subnet {
  /** Network address as a number. */
  base: number;
  prefixLength: number;
  size: number;
}

export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`not an IPv4 address: ${text}`);
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function parseSubnet(cidr: string): Ipv4Subnet {
  const [addr, len] = cidr.split('/');
  const prefixLength = Number(len);
  if (!/^\d{1,2}$/.test(len ?? '') || prefixLength > 30) throw new Error(`not an IPv4 subnet of at least 4 addresses: ${cidr}`);
  const ip = parseIpv4(addr ?? '');
  const size = 2 ** (32 - prefixLength);
  return { base: ip - (ip % size), prefixLength, size };
}

/** The pods' gateway: the subnet's first usable address, held by the bridge. */
export function gatewayOf(subnet: Ipv4Subnet): string {
  return formatIpv4(subnet.base + 1);
}

export function subnetText(subnet: Ipv4Subnet): string {
  return `${formatIpv4(subnet.base)}/${subnet.prefixLength}`;
}
