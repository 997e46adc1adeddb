// What the scheduler knows about one node: the Node object and the pods bound
// or assumed to it, with their summed requests and host ports kept current so
// filters read them in O(1).
import type { ContainerPort, Node, Pod, Taint } from './api-types';
import { podUid } from './api-types';
import { addInto, Allocatable, emptyResources, nodeAllocatable, podRequests, Resources } from './resources';

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export interface PodInfo {
  pod: Pod;
  requests: Resources;
  nonZeroRequests: Resources;
  hostPorts: HostPort[];
  /** Has pod affinity or anti-affinity terms (InterPodAffinity looks only at these). */
  hasAffinity: boolean;
  hasRequiredAntiAffinity: boolean;
}

export function podInfoOf(pod: Pod): PodInfo {
  const aff = pod.spec.affinity;
  return {
    pod,
    requests: podRequests(pod),
    nonZeroRequests: podRequests(pod, true),
    hostPorts: hostPortsOf(pod),
    hasAffinity: !!(aff?.podAffinity || aff?.podAntiAffinity),
    hasRequiredAntiAffinity: (aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0,
  };
}

export function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const add = (p: ContainerPort) => {
    if (p.hostPort && p.hostPort > 0) out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
  };
  for (const c of pod.spec.containers ?? []) (c.ports ?? []).forEach(add);
  for (const c of pod.spec.initContainers ?? []) if (c.restartPolicy === 'Always') (c.ports ?? []).forEach(add);
  return out;
}

/** Same protocol and port, and the same address or either one the wildcard. */
export function hostPortsConflict(a: HostPort, b: HostPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0');
}

export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

const NO_IMAGES: ReadonlyMap<string, number> = new Map();

export class NodeInfo {
  node: Node | undefined;
  allocatable: Allocatable = { ...emptyResources(), allowedPodNumber: 0 };
  readonly pods = new Map<string, PodInfo>();
  readonly requested: Resources = emptyResources();
  readonly nonZeroRequested: Resources = emptyResources();
  readonly usedPorts: HostPort[] = [];
  /** The pods here with pod (anti-)affinity terms. */
  readonly podsWithAffinity = new Map<string, PodInfo>();
  /** Image name → size in bytes, from node.status.images. */
  imageSizes: ReadonlyMap<string, number> = NO_IMAGES;
  // Flat copies of what Filter plugins read for every node of every cycle, kept
  // by setNode, clearNode, addPod and removePod: checking a node then touches
  // this one object rather than the Node, its nested objects and the sums.
  /** The node's Ready condition is True. */
  ready = false;
  /** spec.unschedulable */
  unschedulable = false;
  /** spec.taints; undefined when there are none. */
  taints: readonly Taint[] | undefined = undefined;
  /** metadata.labels */
  labels: Readonly<Record<string, string>> = {};
  /** pods.size */
  podCount = 0;
  /** allocatable.allowedPodNumber */
  allowedPodNumber = 0;
  /** allocatable minus requested. */
  freeMilliCPU = 0;
  freeMemory = 0;
  freeEphemeralStorage = 0;
  // And what the resource Score plugins read.
  allocatableMilliCPU = 0;
  allocatableMemory = 0;
  requestedMilliCPU = 0;
  requestedMemory = 0;
  nonZeroRequestedMilliCPU = 0;
  nonZeroRequestedMemory = 0;

  constructor(readonly name: string) {}

  setNode(node: Node): void {
    this.node = node;
    this.ready = isNodeReady(node);
    this.unschedulable = !!node.spec?.unschedulable;
    this.taints = node.spec?.taints?.length ? node.spec.taints : undefined;
    this.labels = node.metadata.labels ?? {};
    this.allocatable = nodeAllocatable(node);
    this.allowedPodNumber = this.allocatable.allowedPodNumber;
    this.updateSums();
    const sizes = new Map<string, number>();
    for (const image of node.status?.images ?? []) for (const n of image.names ?? []) sizes.set(n, image.sizeBytes ?? 0);
    // Nodes without images share one empty map, which ImageLocality then finds in the CPU cache.
    this.imageSizes = sizes.size > 0 ? sizes : NO_IMAGES;
  }

  /** The Node object went away; its pods stay until their own deletion arrives. */
  clearNode(): void {
    this.node = undefined;
    this.ready = false;
    this.unschedulable = false;
    this.taints = undefined;
    this.labels = {};
  }

  addPod(info: PodInfo): void {
    const uid = podUid(info.pod);
    if (this.pods.has(uid)) this.removePod(uid);
    this.pods.set(uid, info);
    this.podCount = this.pods.size;
    addInto(this.requested, info.requests);
    addInto(this.nonZeroRequested, info.nonZeroRequests);
    this.updateSums();
    this.usedPorts.push(...info.hostPorts);
    if (info.hasAffinity) this.podsWithAffinity.set(uid, info);
  }

  removePod(uid: string): PodInfo | undefined {
    const info = this.pods.get(uid);
    if (!info) return undefined;
    this.pods.delete(uid);
    this.podCount = this.pods.size;
    this.podsWithAffinity.delete(uid);
    addInto(this.requested, info.requests, -1);
    addInto(this.nonZeroRequested, info.nonZeroRequests, -1);
    this.updateSums();
    for (const p of info.hostPorts) {
      const i = this.usedPorts.findIndex((u) => u.ip === p.ip && u.protocol === p.protocol && u.port === p.port);
      if (i >= 0) this.usedPorts.splice(i, 1);
    }
    return info;
  }

  private updateSums(): void {
    const a = this.allocatable;
    const r = this.requested;
    this.freeMilliCPU = a.milliCPU - r.milliCPU;
    this.freeMemory = a.memory - r.memory;
    this.freeEphemeralStorage = a.ephemeralStorage - r.ephemeralStorage;
    this.allocatableMilliCPU = a.milliCPU;
    this.allocatableMemory = a.memory;
    this.requestedMilliCPU = r.milliCPU;
    this.requestedMemory = r.memory;
    this.nonZeroRequestedMilliCPU = this.nonZeroRequested.milliCPU;
    this.nonZeroRequestedMemory = this.nonZeroRequested.memory;
  }
}
