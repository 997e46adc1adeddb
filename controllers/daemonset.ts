// The DaemonSet controller: one pod per eligible node. A node is eligible
// when the template's nodeSelector and required node affinity match it and
// the pod tolerates its NoSchedule/NoExecute taints (with the tolerations
// Kubernetes adds to every daemon pod); a pod already running stays until a
// NoExecute taint it does not tolerate arrives. Each pod is pinned to its
// node by node affinity on metadata.name, for the scheduler to bind.
// RollingUpdate replaces old-template pods within maxUnavailable; OnDelete
// waits for the user to delete them. Templates are told apart by the
// `controller-revision-hash` label, and kept as ControllerRevisions
// (daemonset-history.ts) for `rollout history` and `rollout undo`.
import { isApiError } from '../api/errors';
import { scaledValueFromIntOrPercent, IntOrString } from '../api/int-or-string';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { Informer } from '../client/informer';
import { keyOf } from '../client/informer';
import { Controller, ControllerContext } from './controller';
import { ControllerRevision, controllerRevisionsResource, DaemonSetHistory } from './daemonset-history';
import { Expectations } from './expectations';
import { tolerates, Taint } from './node-lifecycle';
import { controllerRefOf, makeControllerRef } from './owner-refs';
import { podTemplateHash } from './pod-template-hash';
import { isPodAvailable, isPodReady } from './pod-state';
import { podsResource, slowStartBatch } from './replicaset';
import type { Pod, PodTemplate } from './workload-types';

export const daemonSetsResource = findByKind('apps/v1', 'DaemonSet')!;
const nodesResource = findByKind('v1', 'Node')!;
export const REVISION_HASH_LABEL = 'controller-revision-hash';

interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

interface PodSpecForNodes {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  hostNetwork?: boolean;
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] }; [k: string]: unknown }; [k: string]: unknown };
  [key: string]: unknown;
}

interface Node extends KubeObject {
  spec?: { taints?: Taint[]; unschedulable?: boolean };
}

export interface DaemonSet extends KubeObject {
  spec: {
    selector?: { matchLabels?: Record<string, string> };
    template?: PodTemplate;
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { maxUnavailable?: IntOrString } };
  };
  status?: Record<string, unknown>;
}

/** Tolerations every daemon pod gets (k8s daemon util AddOrUpdateDaemonPodTolerations). */
export function daemonTolerations(spec: PodSpecForNodes): Toleration[] {
  const extra: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) extra.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const out = [...(spec.tolerations ?? [])];
  for (const t of extra) {
    const i = out.findIndex((o) => o.key === t.key && o.effect === t.effect);
    // Daemon pods tolerate these forever: no tolerationSeconds.
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0] ?? '')) return false;
      return r.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
  }
}

/** nodeSelector and required node affinity (terms ORed, requirements ANDed). */
export function nodeMatches(spec: PodSpecForNodes, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some(
    (t) =>
      (t.matchExpressions?.length || t.matchFields?.length) &&
      (t.matchExpressions ?? []).every((r) => requirementMatches(r, labels[r.key])) &&
      (t.matchFields ?? []).every((r) => requirementMatches(r, r.key === 'metadata.name' ? node.metadata.name : undefined)),
  );
}

/** Whether a daemon pod should start on the node, and whether one there may stay. */
export function placement(spec: PodSpecForNodes, node: Node): { shouldRun: boolean; mayStay: boolean } {
  if (!nodeMatches(spec, node)) return { shouldRun: false, mayStay: false };
  const tolerations = daemonTolerations(spec);
  const taints = node.spec?.taints ?? [];
  const tolerated = (effect: string) => taints.filter((t) => t.effect === effect).every((t) => tolerations.some((o) => tolerates(o, t)));
  const mayStay = tolerated('NoExecute');
  return { shouldRun: mayStay && tolerated('NoSchedule'), mayStay };
}

/** The node a daemon pod is for: where it runs, or where its affinity pins it. */
function targetNode(pod: Pod): string | undefined {
  const spec = pod.spec as PodSpecForNodes | undefined;
  if (spec?.nodeName) return spec.nodeName;
  for (const term of spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    const f = term.matchFields?.find((r) => r.key === 'metadata.name' && r.operator === 'In' && r.values?.length === 1);
    if (f) return f.values![0];
  }
  return undefined;
}

export class DaemonSetController extends Controller {
  readonly expectations: Expectations;
  private readonly daemonSets: Informer<DaemonSet>;
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;
  readonly history: DaemonSetHistory;

  constructor(ctx: ControllerContext) {
    super('daemonset-controller', ctx);
    const revisions = this.informers.for<ControllerRevision>(controllerRevisionsResource);
    this.history = new DaemonSetHistory(this.client, revisions, REVISION_HASH_LABEL);
    this.expectations = new Expectations(this.clock);
    this.daemonSets = this.informers.for<DaemonSet>(daemonSetsResource);
    this.nodes = this.informers.for<Node>(nodesResource);
    this.pods = this.informers.for<Pod>(podsResource);
    this.daemonSets.addEventHandler({ onAdd: (d) => this.enqueue(d), onUpdate: (_o, d) => this.enqueue(d), onDelete: (d) => this.enqueue(d) });
    const everyDaemonSet = () => {
      for (const ds of this.daemonSets.list()) this.enqueue(ds);
    };
    this.nodes.addEventHandler({
      onAdd: everyDaemonSet,
      onUpdate: (old, n) => {
        const relevant = (x: Node) => JSON.stringify([x.metadata.labels, x.spec?.taints]);
        if (old !== n && relevant(old) !== relevant(n)) everyDaemonSet();
      },
      onDelete: everyDaemonSet,
    });
    const byPod = (observe?: (key: string, pod: Pod) => void) => (pod: Pod) => {
      const ref = controllerRefOf(pod);
      if (ref?.kind !== 'DaemonSet') return;
      const ds = this.daemonSets.getByName(pod.metadata.namespace, ref.name);
      if (!ds || ds.metadata.uid !== ref.uid) return;
      observe?.(keyOf(ds), pod);
      this.enqueue(ds);
    };
    // A revision changed or deleted by someone else is put right.
    const byRevision = (r: ControllerRevision) => {
      const ref = controllerRefOf(r);
      const ds = ref?.kind === 'DaemonSet' ? this.daemonSets.getByName(r.metadata.namespace, ref.name) : undefined;
      if (ds && ds.metadata.uid === ref!.uid) this.enqueue(ds);
    };
    revisions.addEventHandler({ onUpdate: (_o, r) => byRevision(r), onDelete: byRevision });
    this.pods.addEventHandler({
      onAdd: byPod((key) => this.expectations.creationObserved(key)),
      // A graceful deletion counts as observed once it starts.
      onUpdate: (o, p) => byPod((key) => p.metadata.deletionTimestamp && !o.metadata.deletionTimestamp && this.expectations.deletionObserved(key, p.metadata.uid!))(p),
      onDelete: byPod((key, p) => this.expectations.deletionObserved(key, p.metadata.uid!)),
    });
  }

  async reconcile(key: string): Promise<void> {
    const ds = this.daemonSets.get(key);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    const now = this.clock.now();
    const spec = (ds.spec.template?.spec ?? {}) as PodSpecForNodes;
    const hash = podTemplateHash(ds.spec.template);
    const minReady = ds.spec.minReadySeconds ?? 0;
    const owned = this.pods.list(ds.metadata.namespace).filter((p) => controllerRefOf(p)?.uid === ds.metadata.uid && !p.metadata.deletionTimestamp);
    const byNode = new Map<string, Pod[]>();
    for (const p of owned) {
      const n = targetNode(p) ?? '';
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const nodes = this.nodes.list();
    const create: string[] = [];
    const remove: Pod[] = [];
    let desired = 0;
    let misscheduled = 0;
    for (const node of nodes) {
      const name = node.metadata.name!;
      const { shouldRun, mayStay } = placement(spec, node);
      const here = (byNode.get(name) ?? []).sort((a, b) => Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? ''));
      byNode.delete(name);
      if (shouldRun) desired++;
      if (!mayStay) {
        if (here.length) misscheduled++;
        remove.push(...here);
        continue;
      }
      // A failed daemon pod is replaced; extra pods on one node go (the oldest stays).
      const failed = here.filter((p) => p.status?.phase === 'Failed');
      const alive = here.filter((p) => p.status?.phase !== 'Failed');
      remove.push(...failed, ...alive.slice(1));
      if (alive.length === 0 && shouldRun) create.push(name);
    }
    // Pods for nodes that no longer exist.
    for (const pods of byNode.values()) remove.push(...pods);

    if (!ds.metadata.deletionTimestamp) {
      await this.history.sync(ds, hash, new Set(owned.map((p) => p.metadata.labels?.[REVISION_HASH_LABEL] ?? '')));
    }
    if (this.expectations.satisfied(key) && !ds.metadata.deletionTimestamp) {
      const rolling = ds.spec.updateStrategy?.type !== 'OnDelete' ? this.rollingDeletions(ds, nodes, owned, hash, desired, now, remove) : [];
      await this.deletePods(key, [...remove, ...rolling]);
      await this.createPods(ds, key, create, hash);
    }

    const onNodes = owned.filter((p) => nodes.some((n) => n.metadata.name === targetNode(p) && placement(spec, n).mayStay));
    const status = {
      ...(ds.status ?? {}),
      currentNumberScheduled: onNodes.length,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: onNodes.filter(isPodReady).length,
      updatedNumberScheduled: onNodes.filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash).length,
      numberAvailable: onNodes.filter((p) => isPodAvailable(p, minReady, now)).length,
      numberUnavailable: Math.max(0, desired - onNodes.filter((p) => isPodAvailable(p, minReady, now)).length),
      observedGeneration: ds.metadata.generation,
    };
    if (JSON.stringify(status) !== JSON.stringify(ds.status ?? {})) {
      const next = structuredClone(ds);
      next.status = status;
      try {
        await this.client.update(daemonSetsResource, ds.metadata.namespace, next, { subresource: 'status' });
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
    }
  }

  /** Old-template pods to delete now: unavailable ones freely, available ones while fewer than maxUnavailable nodes lack an available pod. */
  private rollingDeletions(ds: DaemonSet, nodes: Node[], owned: Pod[], hash: string, desired: number, now: number, alreadyRemoved: Pod[]): Pod[] {
    const minReady = ds.spec.minReadySeconds ?? 0;
    const spec = (ds.spec.template?.spec ?? {}) as PodSpecForNodes;
    const maxUnavailable = Math.max(1, scaledValueFromIntOrPercent(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, desired, true));
    const removed = new Set(alreadyRemoved.map((p) => p.metadata.uid));
    let unavailable = 0;
    const old: Pod[] = [];
    for (const node of nodes) {
      if (!placement(spec, node).shouldRun) continue;
      const pod = owned.find((p) => targetNode(p) === node.metadata.name && !removed.has(p.metadata.uid) && p.status?.phase !== 'Failed');
      if (!pod || !isPodAvailable(pod, minReady, now)) unavailable++;
      if (pod && pod.metadata.labels?.[REVISION_HASH_LABEL] !== hash) old.push(pod);
    }
    const out: Pod[] = [];
    for (const pod of old) {
      if (!isPodAvailable(pod, minReady, now)) out.push(pod);
      else if (unavailable < maxUnavailable) {
        out.push(pod);
        unavailable++;
      }
    }
    return out;
  }

  private async createPods(ds: DaemonSet, key: string, nodeNames: string[], hash: string): Promise<void> {
    if (nodeNames.length === 0) return;
    this.expectations.expectCreations(key, nodeNames.length);
    let i = 0;
    const { succeeded, error } = await slowStartBatch(nodeNames.length, () => this.createPod(ds, nodeNames[i++], hash));
    for (let k = succeeded; k < nodeNames.length; k++) this.expectations.creationObserved(key);
    if (error) throw error;
  }

  private async createPod(ds: DaemonSet, nodeName: string, hash: string): Promise<void> {
    const template = ds.spec.template ?? {};
    const spec = structuredClone(template.spec ?? {}) as PodSpecForNodes;
    // Pin to the node, replacing any required node affinity (the node was already checked against it).
    spec.affinity = {
      ...spec.affinity,
      nodeAffinity: {
        ...spec.affinity?.nodeAffinity,
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] },
      },
    };
    spec.tolerations = daemonTolerations(spec);
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${ds.metadata.name}-`,
        namespace: ds.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [makeControllerRef(ds)],
      },
      spec,
    };
    await this.client.create(podsResource, ds.metadata.namespace, pod);
  }

  private async deletePods(key: string, pods: Pod[]): Promise<void> {
    const unique = [...new Map(pods.map((p) => [p.metadata.uid, p])).values()];
    if (unique.length === 0) return;
    this.expectations.expectDeletions(key, unique.map((p) => p.metadata.uid!));
    for (const p of unique) {
      try {
        await this.client.delete(podsResource, p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
      } catch (err) {
        this.expectations.deletionObserved(key, p.metadata.uid!);
        if (!isApiError(err, 'NotFound')) throw err;
      }
    }
  }
}
