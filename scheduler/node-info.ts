// What the scheduler knows about one node: the Node object and the pods bound
// or assumed to it, with their summed requests and host ports kept current so
// filters read them in O(1).
import type { ContainerPort, Node, Pod } from './api-types';
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
  imageSizes = new Map<string, number>();
  /** The node's Ready condition is True (read by every cycle, so computed once per Node object). */
  ready = false;

  constructor(readonly name: string) {}

  setNode(node: Node): void {
    this.node = node;
    this.ready = isNodeReady(node);
    this.allocatable = nodeAllocatable(node);
    this.imageSizes = new Map();
    for (const image of node.status?.images ?? []) for (const n of image.names ?? []) this.imageSizes.set(n, image.sizeBytes ?? 0);
  }

  addPod(info: PodInfo): void {
    const uid = podUid(info.pod);
    if (this.pods.has(uid)) this.removePod(uid);
    this.pods.set(uid, info);
    addInto(this.requested, info.requests);
    addInto(this.nonZeroRequested, info.nonZeroRequests);
    this.usedPorts.push(...info.hostPorts);
    if (info.hasAffinity) this.podsWithAffinity.set(uid, info);
  }

  removePod(uid: string): PodInfo | undefined {
    const info = this.pods.get(uid);
    if (!info) return undefined;
    this.pods.delete(uid);
    this.podsWithAffinity.delete(uid);
    addInto(this.requested, info.requests, -1);
    addInto(this.nonZeroRequested, info.nonZeroRequests, -1);
    for (const p of info.hostPorts) {
      const i = this.usedPorts.findIndex((u) => u.ip === p.ip && u.protocol === p.protocol && u.port === p.port);
      if (i >= 0) this.usedPorts.splice(i, 1);
    }
    return info;
  }
}
