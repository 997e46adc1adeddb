// The hook through which pods get their network: the agent creates each pod's network namespace
// (pod-sandbox.ts) and hands its path to a PodNetwork, which plumbs it (veth, bridge, routes) and
// returns the pod's IPs, much as the kubelet calls a CNI plugin. Without one, pods have only loopback.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PodRef } from '../../client/node-client';
import type { PortMapping } from '../network/host-port-rules';

export interface PodNetworkOptions {
  /** The containers' hostPorts (CNI's portMappings capability). */
  portMappings?: PortMapping[];
}

export interface PodNetwork {
  /** Connects the namespace at netnsPath (a bind-mounted nsfs file) and returns the pod's IPs, first = primary. */
  setUp(pod: PodRef, netnsPath: string, opts?: PodNetworkOptions): Promise<{ ips: string[] }>;
  /** Releases what setUp took (addresses, links); called before the namespace is removed. Idempotent. */
  tearDown(pod: PodRef, netnsPath: string): Promise<void>;
  /** Frees links and addresses held for pods other than these (removed while no agent ran). */
  removeStale?(livePodUids: Iterable<string>): Promise<unknown>;
}

interface PodPorts {
  spec?: { containers?: Array<{ ports?: Array<{ containerPort: number; hostPort?: number; protocol?: string; hostIP?: string }> }> };
}

/** The pod's hostPort mappings: every container port with a hostPort. */
export function portMappingsOf(pod: PodPorts): PortMapping[] {
  return (pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? [])
    .filter((p) => p.hostPort)
    .map((p) => ({ hostPort: p.hostPort!, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP', ...(p.hostIP ? { hostIP: p.hostIP } : {}) })));
}

const FILE = 'network.json';

/** The IPs setUp gave this pod's current sandbox, kept in the pod's directory across agent restarts. */
export async function readPodIps(podDir: string): Promise<string[] | null> {
  try {
    return (JSON.parse(await readFile(join(podDir, FILE), 'utf8')) as { ips: string[] }).ips;
  } catch {
    return null;
  }
}

export async function writePodIps(podDir: string, ips: string[]): Promise<void> {
  await writeFile(join(podDir, FILE), JSON.stringify({ ips }));
}

export async function forgetPodIps(podDir: string): Promise<void> {
  await rm(join(podDir, FILE), { force: true });
}
