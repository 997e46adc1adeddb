// The scheduler's view of the cluster: nodes and the pods on them, fed by
// watches. A placement is assumed at once, so the next scheduling cycle sees
// the node's capacity taken before the binding reaches the apiserver; the
// watch later confirms it, or a failed binding forgets it.
import type { RestClient } from '../client/rest-client';
import type { Node, Pod } from './api-types';
import type { FrameworkHandle } from './framework/interface';
import { podUid } from './api-types';
import { NodeInfo, PodInfo, podInfoOf } from './node-info';

interface PodState {
  pod: Pod;
  nodeName: string;
  assumed: boolean;
}

export class SchedulerCache {
  private readonly nodeInfos = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private affinityPods = 0;
  /** Nodes that have a Node object, in insertion order; rebuilt lazily. */
  private nodeList: NodeInfo[] | undefined;
  /** Pods that preempted others, reserving room on a node until they are bound: node → uid → pod. */
  private readonly nominations = new Map<string, Map<string, PodInfo>>();
  private readonly nominatedNodeOf = new Map<string, string>();
  /** Image name → nodes that hold it, for ImageLocality's spread factor. */
  private readonly imageNodes = new Map<string, Set<string>>();

  // ---- nodes ----------------------------------------------------------------

  addOrUpdateNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const info = this.infoFor(name);
    if (info.node) this.forgetImages(info.node);
    else this.nodeList = undefined;
    info.setNode(node);
    for (const image of node.status?.images ?? []) {
      for (const n of image.names ?? []) {
        let set = this.imageNodes.get(n);
        if (!set) this.imageNodes.set(n, (set = new Set()));
        set.add(name);
      }
    }
  }

  removeNode(name: string): void {
    const info = this.nodeInfos.get(name);
    if (!info) return;
    if (info.node) this.forgetImages(info.node);
    this.nodeList = undefined;
    // Pods still bound to it keep a placeholder until their own deletion arrives.
    if (info.pods.size === 0) this.nodeInfos.delete(name);
    else info.clearNode();
  }

  getNode(name: string): NodeInfo | undefined {
    const info = this.nodeInfos.get(name);
    return info?.node ? info : undefined;
  }

  /** The nodes to schedule onto; the array is shared, do not modify it. */
  nodes(): readonly NodeInfo[] {
    if (!this.nodeList) this.nodeList = [...this.nodeInfos.values()].filter((n) => n.node);
    return this.nodeList;
  }

  /** The view plugins get of this cache (and the client they bind and preempt with). */
  handle(client?: RestClient): FrameworkHandle {
    return {
      nodes: () => this.nodes(),
      getNode: (name) => this.getNode(name),
      nodesWithImage: (image) => this.nodesWithImage(image),
      podsWithAffinity: () => this.podsWithAffinity(),
      client,
    };
  }

  /** How many nodes hold an image (by any of its names). */
  nodesWithImage(image: string): number {
    return this.imageNodes.get(image)?.size ?? 0;
  }

  // ---- pods -----------------------------------------------------------------

  podsWithAffinity(): number {
    return this.affinityPods;
  }

  /** Counts the pod on `nodeName` now; the caller binds it next. */
  assumePod(pod: Pod, nodeName: string): void {
    const uid = podUid(pod);
    if (this.podStates.has(uid)) throw new Error(`pod ${uid} is already in the scheduler cache`);
    const bound: Pod = { ...pod, spec: { ...pod.spec, nodeName } };
    this.podStates.set(uid, { pod: bound, nodeName, assumed: true });
    // The requests come from `pod`, whose cycle computed them already.
    this.addToNode(nodeName, { ...podInfoOf(pod), pod: bound });
  }

  /** Drops an assumption whose binding failed; a confirmed pod is left alone. */
  forgetPod(pod: Pod): void {
    const uid = podUid(pod);
    const state = this.podStates.get(uid);
    if (!state?.assumed) return;
    this.removeState(uid, state);
  }

  /** Known to the cache, bound or assumed. */
  hasPod(pod: Pod): boolean {
    return this.podStates.has(podUid(pod));
  }

  isAssumed(pod: Pod): boolean {
    return this.podStates.get(podUid(pod))?.assumed === true;
  }

  /** A bound pod from the watch: confirms an assumption or replaces what was there. */
  addOrUpdatePod(pod: Pod): void {
    const nodeName = pod.spec.nodeName;
    if (!nodeName) return;
    const uid = podUid(pod);
    const state = this.podStates.get(uid);
    if (state) this.removeState(uid, state);
    this.podStates.set(uid, { pod, nodeName, assumed: false });
    this.addToNode(nodeName, podInfoOf(pod));
  }

  removePod(pod: Pod): void {
    const uid = podUid(pod);
    const state = this.podStates.get(uid);
    if (state) this.removeState(uid, state);
  }

  // ---- nominations (preemption) ----------------------------------------------

  /** Reserves room on `nodeName` for a pod whose victims are leaving. */
  nominate(pod: Pod, nodeName: string): void {
    this.clearNomination(pod);
    const uid = podUid(pod);
    let onNode = this.nominations.get(nodeName);
    if (!onNode) this.nominations.set(nodeName, (onNode = new Map()));
    onNode.set(uid, podInfoOf(pod));
    this.nominatedNodeOf.set(uid, nodeName);
  }

  clearNomination(pod: Pod): void {
    const uid = podUid(pod);
    const nodeName = this.nominatedNodeOf.get(uid);
    if (nodeName === undefined) return;
    this.nominatedNodeOf.delete(uid);
    const onNode = this.nominations.get(nodeName);
    onNode?.delete(uid);
    if (onNode?.size === 0) this.nominations.delete(nodeName);
  }

  /** Pods nominated to `nodeName` with at least `minPriority`, other than `except`. */
  nominatedPods(nodeName: string, minPriority: number, except: Pod): PodInfo[] {
    const onNode = this.nominations.get(nodeName);
    if (!onNode) return [];
    const uid = podUid(except);
    return [...onNode.entries()].filter(([u, i]) => u !== uid && (i.pod.spec.priority ?? 0) >= minPriority).map(([, i]) => i);
  }

  hasNominations(): boolean {
    return this.nominations.size > 0;
  }

  podCount(): number {
    return this.podStates.size;
  }

  private addToNode(nodeName: string, info: PodInfo): void {
    if (info.hasAffinity) this.affinityPods++;
    this.infoFor(nodeName).addPod(info);
  }

  private removeState(uid: string, state: PodState): void {
    this.podStates.delete(uid);
    const info = this.nodeInfos.get(state.nodeName);
    if (!info) return;
    if (info.removePod(uid)?.hasAffinity) this.affinityPods--;
    if (!info.node && info.pods.size === 0) this.nodeInfos.delete(state.nodeName);
  }

  private infoFor(name: string): NodeInfo {
    let info = this.nodeInfos.get(name);
    if (!info) this.nodeInfos.set(name, (info = new NodeInfo(name)));
    return info;
  }

  private forgetImages(node: Node): void {
    const name = node.metadata.name ?? '';
    for (const image of node.status?.images ?? []) for (const n of image.names ?? []) this.imageNodes.get(n)?.delete(name);
  }
}
