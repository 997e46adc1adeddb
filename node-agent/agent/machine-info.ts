// What the node registers: capacity and allocatable read from the machine, addresses, system info and
// the well-known labels (the kubelet's setNodeStatus* functions, pkg/kubelet/nodestatus/setters.go).
import { readFileSync, statfsSync } from 'node:fs';
import { arch, cpus, hostname, networkInterfaces, release } from 'node:os';
import type { NodeRegistration } from '../../client/node-client';

export const AGENT_VERSION = '0.1.0';
export const MAX_PODS = 110;
/** The kubelet's default hard eviction thresholds, subtracted from capacity for allocatable. */
const EVICTION_MEMORY_BYTES = 100 * 1024 * 1024;
const EVICTION_NODEFS_FRACTION = 0.1;

/** Go's GOARCH for Node's process.arch. */
export function goArch(nodeArch = arch()): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[nodeArch] ?? nodeArch;
}

/** MemTotal from /proc/meminfo, in bytes. */
export function memTotalBytes(meminfo = readFileSync('/proc/meminfo', 'utf8')): number {
  const m = /^MemTotal:\s+(\d+) kB$/m.exec(meminfo);
  if (!m) throw new Error('/proc/meminfo has no MemTotal line');
  return Number(m[1]) * 1024;
}

/** PRETTY_NAME from os-release (what `kubectl get nodes -o wide` shows as OS-IMAGE). */
export function osImage(osRelease?: string): string {
  const text = osRelease ?? readFirst(['/etc/os-release', '/usr/lib/os-release']);
  const m = /^PRETTY_NAME=("?)(.*)\1$/m.exec(text);
  return m ? m[2] : 'Linux';
}

/** The first non-loopback IPv4 address: the node's InternalIP when none is configured. */
export function defaultNodeIp(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function readFirst(paths: string[]): string {
  for (const p of paths) {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      // try the next one
    }
  }
  return '';
}

export interface DiskUsage {
  totalBytes: number;
  availableBytes: number;
}

export function diskUsage(dir: string): DiskUsage {
  const s = statfsSync(dir);
  return { totalBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
}

function kib(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

export function machineRegistration(opts: { nodeName: string; nodeIp: string; dataDir: string }): NodeRegistration {
  const memory = memTotalBytes();
  const disk = diskUsage(opts.dataDir);
  const cpu = String(cpus().length);
  const architecture = goArch();
  return {
    addresses: [{ type: 'InternalIP', address: opts.nodeIp }, { type: 'Hostname', address: hostname() }],
    capacity: { cpu, memory: kib(memory), pods: String(MAX_PODS), 'ephemeral-storage': kib(disk.totalBytes) },
    allocatable: {
      cpu,
      memory: kib(Math.max(0, memory - EVICTION_MEMORY_BYTES)),
      pods: String(MAX_PODS),
      'ephemeral-storage': kib(disk.totalBytes * (1 - EVICTION_NODEFS_FRACTION)),
    },
    nodeInfo: {
      kernelVersion: release(),
      osImage: osImage(),
      operatingSystem: 'linux',
      architecture,
      containerRuntimeVersion: `kapstan://${AGENT_VERSION}`,
      kubeletVersion: `v1.30.0-kapstan.${AGENT_VERSION}`,
      machineId: readFirst(['/etc/machine-id']).trim(),
      bootId: readFirst(['/proc/sys/kernel/random/boot_id']).trim(),
    },
    labels: { 'kubernetes.io/hostname': opts.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': architecture },
  };
}
