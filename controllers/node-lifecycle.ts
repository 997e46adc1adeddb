// The node lifecycle controller: a node whose Lease (kube-node-lease/<node>)
// has not been renewed for the grace period (40 s) becomes Ready=Unknown and
// gets the `node.kubernetes.io/unreachable` taints (NoSchedule, NoExecute); a
// node reporting Ready=False gets `node.kubernetes.io/not-ready`. Pods on a
// node with NoExecute taints are evicted (deleted) once their matching
// tolerations run out (tolerationSeconds; at once without one), so their
// controllers replace them. The taints go when the node is back. Pods bound
// to a node that no longer exists are deleted.
// Staleness is measured on this controller's clock from when it last saw
// the Lease change, so clock skew between hosts does not matter.
import { isApiError } from '../api/errors';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { Informer } from '../client/informer';
import { Controller, ControllerContext } from './controller';
import { rfc3339 } from './deployment-status';
import type { Condition, Pod } from './workload-types';
import { podsResource } from './replicaset';

export const nodesResource = findByKind('v1', 'Node')!;
const leasesResource = findByKind('coordination.k8s.io/v1', 'Lease')!;
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
const GONE_NODE_PREFIX = 'gone-node:';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

interface Node extends KubeObject {
  spec?: { taints?: Taint[]; [key: string]: unknown };
  status?: { conditions?: Condition[]; [key: string]: unknown };
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (!t.key) return t.operator === 'Exists';
  if (t.key !== taint.key) return false;
  return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/**
 * When the pod must leave a node with these NoExecute taints: undefined when
 * it tolerates them all forever, otherwise the time (ms) its shortest
 * toleration runs out — at once for a taint it does not tolerate.
 */
export function evictionTime(pod: Pod, taints: Taint[], now: number): number | undefined {
  const tolerations = ((pod.spec as { tolerations?: Toleration[] } | undefined)?.tolerations ?? []);
  let at: number | undefined;
  for (const taint of taints.filter((t) => t.effect === 'NoExecute')) {
    const matching = tolerations.filter((t) => tolerates(t, taint));
    if (matching.length === 0) return now;
    if (matching.some((t) => t.tolerationSeconds === undefined || t.tolerationSeconds === null)) continue;
    const seconds = Math.max(0, Math.min(...matching.map((t) => t.tolerationSeconds!)));
    const since = Date.parse(taint.timeAdded ?? '') || now;
    const t = since + seconds * 1000;
    at = at === undefined ? t : Math.min(at, t);
  }
  return at;
}

export class NodeLifecycleController extends Controller {
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer;
  private readonly pods: Informer<Pod>;
  private readonly graceMs: number;
  /** Per node: the Lease renewTime last seen and when (our clock) it changed. */
  private readonly observed = new Map<string, { renewTime?: string; at: number }>();

  constructor(ctx: ControllerContext & { nodeMonitorGracePeriodMs?: number }) {
    super('node-lifecycle-controller', ctx);
    this.graceMs = ctx.nodeMonitorGracePeriodMs ?? 40_000;
    this.nodes = this.informers.for<Node>(nodesResource);
    this.leases = this.informers.for(leasesResource);
    this.pods = this.informers.for<Pod>(podsResource);
    this.nodes.addEventHandler({
      onAdd: (n) => this.enqueue(n.metadata.name!),
      onUpdate: (_o, n) => this.enqueue(n.metadata.name!),
      onDelete: (n) => {
        this.observed.delete(n.metadata.name!);
        this.enqueue(GONE_NODE_PREFIX + n.metadata.name);
      },
    });
    const leaseChanged = (l: KubeObject) => l.metadata.namespace === NODE_LEASE_NAMESPACE && this.enqueue(l.metadata.name!);
    this.leases.addEventHandler({ onAdd: leaseChanged, onUpdate: (_o, l) => leaseChanged(l) });
    // New pods on a tainted node are subject to eviction too.
    this.pods.addEventHandler({
      onAdd: (p) => {
        const node = p.spec?.nodeName;
        if (!node) return;
        if (!this.nodes.get(node)) this.enqueue(GONE_NODE_PREFIX + node);
        else if (this.nodes.get(node)?.spec?.taints?.some((t) => t.effect === 'NoExecute')) this.enqueue(node);
      },
    });
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith(GONE_NODE_PREFIX)) return this.deletePodsOfGoneNode(key.slice(GONE_NODE_PREFIX.length));
    const node = this.nodes.get(key);
    if (!node) return;
    const now = this.clock.now();
    const lease = this.leases.getByName(NODE_LEASE_NAMESPACE, key);
    const renewTime = (lease?.spec as { renewTime?: string } | undefined)?.renewTime;
    const seen = this.observed.get(key);
    if (!seen || seen.renewTime !== renewTime) this.observed.set(key, { renewTime, at: now });
    const silentFor = now - this.observed.get(key)!.at;
    const stale = silentFor >= this.graceMs;

    let current = node;
    if (stale) current = await this.markUnknown(current, now);
    else this.enqueueAfter(key, this.graceMs - silentFor + 1);
    const ready = current.status?.conditions?.find((c) => c.type === 'Ready');
    const wanted: Taint[] = [];
    if (stale || ready?.status === 'Unknown') wanted.push({ key: UNREACHABLE_TAINT, effect: 'NoSchedule' }, { key: UNREACHABLE_TAINT, effect: 'NoExecute' });
    else if (ready?.status === 'False') wanted.push({ key: NOT_READY_TAINT, effect: 'NoSchedule' }, { key: NOT_READY_TAINT, effect: 'NoExecute' });
    current = await this.setTaints(current, wanted, now);
    await this.evictPods(current, now);
  }

  /** Every condition Unknown, as Kubernetes marks a node that stopped reporting. */
  private async markUnknown(node: Node, now: number): Promise<Node> {
    const conditions = node.status?.conditions ?? [];
    if (conditions.length > 0 && conditions.every((c) => c.status === 'Unknown')) return node;
    const t = rfc3339(now);
    const next = structuredClone(node);
    const types = conditions.length ? conditions.map((c) => c.type) : ['Ready'];
    next.status = {
      ...next.status,
      conditions: types.map((type) => {
        const old = conditions.find((c) => c.type === type);
        if (old?.status === 'Unknown') return old;
        return { ...old, type, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: t } as Condition;
      }),
    };
    return this.write(next, 'status');
  }

  /** Makes the node's lifecycle taints (unreachable, not-ready) exactly `wanted`, keeping their timeAdded and all other taints. */
  private async setTaints(node: Node, wanted: Taint[], now: number): Promise<Node> {
    const ours = (t: Taint) => t.key === UNREACHABLE_TAINT || t.key === NOT_READY_TAINT;
    const existing = node.spec?.taints ?? [];
    const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
    const kept = existing.filter((t) => !ours(t) || wanted.some((w) => same(w, t)));
    const added = wanted.filter((w) => !existing.some((t) => same(t, w))).map((w) => ({ ...w, timeAdded: rfc3339(now) }));
    if (added.length === 0 && kept.length === existing.length) return node;
    const next = structuredClone(node);
    next.spec = { ...next.spec, taints: [...kept, ...added] };
    if (next.spec.taints!.length === 0) delete next.spec.taints;
    return this.write(next);
  }

  private async evictPods(node: Node, now: number): Promise<void> {
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (taints.length === 0) return;
    let soonest: number | undefined;
    for (const pod of this.pods.list().filter((p) => p.spec?.nodeName === node.metadata.name)) {
      const phase = pod.status?.phase;
      if (pod.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') continue;
      const at = evictionTime(pod, taints, now);
      if (at === undefined) continue;
      if (at <= now) await this.evict(pod, now);
      else soonest = soonest === undefined ? at : Math.min(soonest, at);
    }
    if (soonest !== undefined) this.enqueueAfter(node.metadata.name!, soonest - now + 1);
  }

  /**
   * As Kubernetes' taint manager: first the DisruptionTarget condition (so a Job's
   * podFailurePolicy can tell an eviction from a failure), then the deletion.
   */
  private async evict(pod: Pod, now: number): Promise<void> {
    if (!pod.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True')) {
      const next = structuredClone(pod);
      const condition = { type: 'DisruptionTarget', status: 'True' as const, reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z') };
      next.status = { ...next.status, conditions: [...(next.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), condition] };
      try {
        await this.client.update(podsResource, pod.metadata.namespace, next, { subresource: 'status' });
      } catch (err) {
        if (isApiError(err, 'NotFound')) return;
        throw err; // a Conflict retries the node with a fresher pod
      }
    }
    await this.deletePod(pod, {});
  }

  /** Pods bound to a node that no longer exists can never run: they go at once. */
  private async deletePodsOfGoneNode(nodeName: string): Promise<void> {
    if (this.nodes.get(nodeName)) return;
    try {
      await this.client.get(nodesResource, undefined, nodeName);
      return; // the cache is behind
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
    for (const pod of this.pods.list().filter((p) => p.spec?.nodeName === nodeName)) await this.deletePod(pod, { gracePeriodSeconds: 0 });
  }

  private async deletePod(pod: Pod, opts: { gracePeriodSeconds?: number }): Promise<void> {
    try {
      await this.client.delete(podsResource, pod.metadata.namespace, pod.metadata.name!, { ...opts, preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err;
    }
  }

  private async write(node: Node, subresource?: 'status'): Promise<Node> {
    return this.client.update<Node>(nodesResource, undefined, node, subresource ? { subresource } : {});
  }
}
