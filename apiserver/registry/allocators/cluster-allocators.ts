// The cluster's three pools: node pod subnets, Service ClusterIPs, NodePorts.
import type { Backend } from '../../storage/backend';
import { AllocationStore } from './allocation-store';
import { cidrContains, formatCidr, formatIpv4, parseCidr, parseIpv4 } from './cidr';
import { RangeAllocator } from './range-allocator';

export const DEFAULT_POD_CIDR = '10.244.0.0/16';
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';
export const DEFAULT_NODE_PORT_RANGE = { first: 30000, last: 32767 };

/** Subnets of `nodePrefixLength` carved from the cluster's pod CIDR, one per node. */
export function podCidrAllocator(backend: Backend, clusterCidr = DEFAULT_POD_CIDR, nodePrefixLength = 24): RangeAllocator {
  const cluster = parseCidr(clusterCidr);
  if (nodePrefixLength < cluster.prefixLength) throw new Error(`node subnets /${nodePrefixLength} do not fit in ${clusterCidr}`);
  const subnetSize = 2 ** (32 - nodePrefixLength);
  return new RangeAllocator(new AllocationStore(backend, 'podcidrs'), {
    size: cluster.size / subnetSize,
    at: (i) => formatCidr(cluster.base + i * subnetSize, nodePrefixLength),
    contains: (value) => {
      try {
        const c = parseCidr(value);
        return c.prefixLength === nodePrefixLength && formatCidr(c.base, nodePrefixLength) === value && cidrContains(cluster, c.base);
      } catch {
        return false;
      }
    },
  }, 'pod subnet');
}

/** ClusterIPs: every address of the service CIDR but its network and broadcast addresses. */
export function serviceIpAllocator(backend: Backend, serviceCidr = DEFAULT_SERVICE_CIDR): RangeAllocator {
  const cidr = parseCidr(serviceCidr);
  const reserved = (i: number) => i === 0 || i === cidr.size - 1;
  return new RangeAllocator(new AllocationStore(backend, 'serviceips'), {
    size: cidr.size,
    at: (i) => formatIpv4(cidr.base + i),
    reserved,
    contains: (value) => {
      const ip = parseIpv4(value);
      return ip !== undefined && formatIpv4(ip) === value && cidrContains(cidr, ip) && !reserved(ip - cidr.base);
    },
  }, 'service IP');
}

export function nodePortAllocator(backend: Backend, range = DEFAULT_NODE_PORT_RANGE): RangeAllocator {
  return new RangeAllocator(new AllocationStore(backend, 'nodeports'), {
    size: range.last - range.first + 1,
    at: (i) => String(range.first + i),
    contains: (value) => /^\d+$/.test(value) && Number(value) >= range.first && Number(value) <= range.last,
  }, 'node port');
}

export interface ClusterAllocators {
  podCidrs: RangeAllocator;
  serviceIps: RangeAllocator;
  nodePorts: RangeAllocator;
}

export function clusterAllocators(backend: Backend): ClusterAllocators {
  return { podCidrs: podCidrAllocator(backend), serviceIps: serviceIpAllocator(backend), nodePorts: nodePortAllocator(backend) };
}
