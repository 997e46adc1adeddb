// The Deployment controller: one ReplicaSet per pod template (named and
// labelled by its pod-template-hash), rolled from the old ones to the new one
// by RollingUpdate (within maxSurge / maxUnavailable) or Recreate, with
// revision annotations, revisionHistoryLimit clean-up, pause, and status with
// the Available and Progressing conditions. Scaling the ReplicaSets is all it
// does to pods: the ReplicaSet controller creates and deletes them.
import { isApiError } from '../api/errors';
import { matches } from '../api/labels';
import { findByKind } from '../api/resources';
import type { Informer } from '../client/informer';
import { keyOf } from '../client/informer';
import { Controller, ControllerContext } from './controller';
import {
  applyProgressing,
  availableOf,
  calculateStatus,
  DESIRED_REPLICAS_ANNOTATION,
  isComplete,
  MAX_REPLICAS_ANNOTATION,
  maxSurge,
  maxUnavailable,
  REVISION_ANNOTATION,
  revisionOf,
  setCondition,
  rfc3339,
  specReplicas,
  sumOf,
} from './deployment-status';
import { controllerRefOf, makeControllerRef, withOwnerRef, withoutOwnerRef } from './owner-refs';
import { POD_TEMPLATE_HASH_LABEL, podTemplateHash, sameTemplate } from './pod-template-hash';
import { isScalingEvent, proportionalSizes } from './proportional-scaling';
import { podsResource, replicaSetsResource, selectorOf } from './replicaset';
import type { Deployment, DeploymentStatus, Pod, ReplicaSet } from './workload-types';

export const deploymentsResource = findByKind('apps/v1', 'Deployment')!;

const byCreation = (a: ReplicaSet, b: ReplicaSet) =>
  Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? '') || (a.metadata.name! < b.metadata.name! ? -1 : 1);

export class DeploymentController extends Controller {
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;

  constructor(ctx: ControllerContext) {
    super('deployment-controller', ctx);
    this.deployments = this.informers.for<Deployment>(deploymentsResource);
    this.replicaSets = this.informers.for<ReplicaSet>(replicaSetsResource);
    this.pods = this.informers.for<Pod>(podsResource);
    this.deployments.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_old, d) => this.enqueue(d),
      onDelete: (d) => this.enqueue(d),
    });
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.replicaSetChanged(rs),
      onUpdate: (old, rs) => {
        const oldOwner = this.ownerKey(old);
        if (oldOwner && oldOwner !== this.ownerKey(rs)) this.enqueue(oldOwner);
        this.replicaSetChanged(rs);
      },
      onDelete: (rs) => this.replicaSetChanged(rs),
    });
    // Recreate waits for the old pods to be gone.
    this.pods.addEventHandler({
      onDelete: (pod) => {
        const ref = controllerRefOf(pod);
        const rs = ref?.kind === 'ReplicaSet' ? this.replicaSets.getByName(pod.metadata.namespace, ref.name) : undefined;
        const key = rs && this.ownerKey(rs);
        if (key) this.enqueue(key);
      },
    });
  }

  private ownerKey(rs: ReplicaSet): string | undefined {
    const ref = controllerRefOf(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.getByName(rs.metadata.namespace, ref.name);
    return d && d.metadata.uid === ref.uid ? keyOf(d) : undefined;
  }

  private replicaSetChanged(rs: ReplicaSet): void {
    const key = this.ownerKey(rs);
    if (key) return this.enqueue(key);
    if (controllerRefOf(rs)) return;
    for (const d of this.deployments.list(rs.metadata.namespace)) if (matches(selectorOf(d), rs.metadata.labels)) this.enqueue(d);
  }

  // ---- reconcile ---------------------------------------------------------------

  async reconcile(key: string): Promise<void> {
    const d = this.deployments.get(key);
    if (!d) return;
    const all = await this.claimReplicaSets(d);
    if (d.metadata.deletionTimestamp) return this.syncStatus(d, all, undefined);
    const existingNew = all.find((rs) => sameTemplate(rs.spec.template, d.spec.template));
    const old = all.filter((rs) => rs !== existingNew).sort(byCreation);
    if (d.spec.paused || isScalingEvent(d, all)) return this.syncScaling(d, existingNew, old);
    if (d.spec.strategy?.type === 'Recreate') return this.rolloutRecreate(d, existingNew, old);
    return this.rolloutRolling(d, existingNew, old);
  }

  /** The ReplicaSets this Deployment controls, after adopting matching orphans and releasing non-matching ones. */
  private async claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const selector = selectorOf(d);
    const deleting = !!d.metadata.deletionTimestamp;
    const claimed: ReplicaSet[] = [];
    for (const rs of this.replicaSets.list(d.metadata.namespace)) {
      const ref = controllerRefOf(rs);
      const matching = matches(selector, rs.metadata.labels);
      if (ref) {
        if (ref.uid !== d.metadata.uid) continue;
        if (matching || deleting) claimed.push(rs);
        else await this.writeReplicaSet(withoutOwnerRef(rs, d.metadata.uid!) as ReplicaSet);
        continue;
      }
      if (!matching || deleting || rs.metadata.deletionTimestamp) continue;
      const adopted = await this.writeReplicaSet(withOwnerRef(rs, makeControllerRef(d)) as ReplicaSet);
      if (adopted) claimed.push(adopted);
    }
    return claimed;
  }

  // ---- strategies --------------------------------------------------------------

  private async rolloutRolling(current: Deployment, existingNew: ReplicaSet | undefined, old: ReplicaSet[]): Promise<void> {
    const replicas = current.spec.replicas ?? 1;
    const got = await this.getOrCreateNewReplicaSet(current, existingNew, old);
    if (!got) return;
    const { d, rs: newRS } = got;
    const all = [newRS, ...old];
    // Scale up the new ReplicaSet within the surge.
    const target = newReplicaSetTarget(d, all, newRS);
    if (target !== specReplicas(newRS)) {
      const scaled = await this.scale(d, newRS, target);
      return this.syncStatus(d, [scaled, ...old], scaled, got.created);
    }
    // Scale down old ReplicaSets within the availability budget.
    const scaledDown = await this.scaleDownOld(d, newRS, old);
    if (scaledDown) return this.syncStatus(d, [newRS, ...old], newRS, got.created);
    const status = calculateStatus(d, all, newRS, this.clock.now());
    if (isComplete(d, status) && specReplicas(newRS) === replicas) await this.cleanupHistory(d, old);
    return this.syncStatus(d, all, newRS, got.created);
  }

  private async rolloutRecreate(d: Deployment, existingNew: ReplicaSet | undefined, old: ReplicaSet[]): Promise<void> {
    const active = old.filter((rs) => specReplicas(rs) > 0);
    if (active.length > 0) {
      for (const rs of active) await this.scale(d, rs, 0);
      return this.syncStatus(d, [...(existingNew ? [existingNew] : []), ...old], existingNew);
    }
    // Wait until every old pod is gone, terminating ones included.
    const oldUids = new Set(old.map((rs) => rs.metadata.uid));
    const oldPodsLeft = this.pods.list(d.metadata.namespace).some((p) => {
      const phase = p.status?.phase;
      return oldUids.has(controllerRefOf(p)?.uid) && phase !== 'Succeeded' && phase !== 'Failed';
    });
    if (oldPodsLeft || old.some((rs) => (rs.status?.replicas ?? 0) > 0)) {
      return this.syncStatus(d, [...(existingNew ? [existingNew] : []), ...old], existingNew);
    }
    const got = await this.getOrCreateNewReplicaSet(d, existingNew, old);
    if (!got) return;
    let newRS = got.rs;
    if (specReplicas(newRS) !== (d.spec.replicas ?? 1)) newRS = await this.scale(d, newRS, d.spec.replicas ?? 1);
    const all = [newRS, ...old];
    if (isComplete(d, calculateStatus(d, all, newRS, this.clock.now()))) await this.cleanupHistory(d, old);
    return this.syncStatus(got.d, all, newRS, got.created);
  }

  /**
   * Paused, or spec.replicas changed: no rollout, only sizes — spread over
   * the ReplicaSets that have pods in proportion (k8s `sync`).
   */
  private async syncScaling(d: Deployment, newRS: ReplicaSet | undefined, old: ReplicaSet[]): Promise<void> {
    const sizes = proportionalSizes(d, newRS, old);
    const scaled = async (rs: ReplicaSet) => (sizes.has(rs.metadata.name!) ? this.scale(d, rs, sizes.get(rs.metadata.name!)!) : rs);
    const current = newRS ? await scaled(newRS) : undefined;
    const others: ReplicaSet[] = [];
    for (const rs of old) others.push(await scaled(rs));
    return this.syncStatus(d, [...(current ? [current] : []), ...others], current);
  }

  /**
   * Old ReplicaSets scaled down as far as availability allows: first their
   * unavailable pods, then available ones above replicas − maxUnavailable
   * (k8s reconcileOldReplicaSets). True when something was scaled.
   */
  private async scaleDownOld(d: Deployment, newRS: ReplicaSet, old: ReplicaSet[]): Promise<boolean> {
    const oldPods = sumOf(old, (rs) => rs.status?.replicas);
    if (oldPods === 0) return false;
    const all = [newRS, ...old];
    const replicas = d.spec.replicas ?? 1;
    const minAvailable = replicas - maxUnavailable(d);
    const newUnavailable = specReplicas(newRS) - availableOf(newRS);
    const maxScaledDown = sumOf(all, specReplicas) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    let scaled = false;
    // 1. Pods that are not available anyway.
    let cleaned = 0;
    for (const rs of old) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = specReplicas(rs) - availableOf(rs);
      if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
      const n = Math.min(maxScaledDown - cleaned, unhealthy);
      const updated = await this.scale(d, rs, specReplicas(rs) - n);
      old[old.indexOf(rs)] = updated;
      cleaned += n;
      scaled = true;
    }
    // 2. Available pods above the minimum.
    const available = sumOf([newRS, ...old], availableOf);
    let budget = available - minAvailable;
    for (const rs of old) {
      if (budget <= 0) break;
      if (specReplicas(rs) === 0) continue;
      const n = Math.min(specReplicas(rs), budget);
      const updated = await this.scale(d, rs, specReplicas(rs) - n);
      old[old.indexOf(rs)] = updated;
      budget -= n;
      scaled = true;
    }
    return scaled;
  }

  // ---- ReplicaSets ---------------------------------------------------------------

  /**
   * The ReplicaSet for the current template, created if missing, with the
   * revision annotations up to date; `d` is the Deployment as last written.
   * Undefined after a name collision (retried with a new hash).
   */
  private async getOrCreateNewReplicaSet(
    d: Deployment,
    existing: ReplicaSet | undefined,
    old: ReplicaSet[],
  ): Promise<{ rs: ReplicaSet; d: Deployment; created: boolean } | undefined> {
    const newRevision = Math.max(0, ...old.map(revisionOf)) + 1;
    if (existing) {
      let rs = existing;
      const copied = copiedAnnotations(d);
      const stale = Object.entries(copied).some(([k, v]) => rs.metadata.annotations?.[k] !== v);
      // Behind the old ones (a rollback to an older template, or adopted): it becomes the newest revision.
      if (revisionOf(rs) < newRevision || stale) {
        const next = structuredClone(rs);
        next.metadata.annotations = { ...next.metadata.annotations, ...copied, [REVISION_ANNOTATION]: String(Math.max(newRevision, revisionOf(rs))) };
        rs = (await this.writeReplicaSet(next)) ?? next;
      }
      return { rs, d: await this.setDeploymentRevision(d, revisionOf(rs)), created: false };
    }
    const hash = podTemplateHash(d.spec.template, d.status?.collisionCount);
    const template = structuredClone(d.spec.template ?? {});
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const replicas = d.spec.replicas ?? 1;
    const draft: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        annotations: {
          ...copiedAnnotations(d),
          [REVISION_ANNOTATION]: String(newRevision),
          [DESIRED_REPLICAS_ANNOTATION]: String(replicas),
          [MAX_REPLICAS_ANNOTATION]: String(replicas + maxSurge(d)),
        },
        ownerReferences: [makeControllerRef(d)],
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    draft.spec.replicas = d.spec.strategy?.type === 'Recreate' ? replicas : newReplicaSetTarget(d, [draft, ...old], draft);
    let created: ReplicaSet;
    try {
      created = await this.client.create<ReplicaSet>(replicaSetsResource, d.metadata.namespace, draft);
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
      const found = await this.client.get<ReplicaSet>(replicaSetsResource, d.metadata.namespace, draft.metadata.name!);
      // Ours, just not in the cache yet: carry on with it.
      if (controllerRefOf(found)?.uid === d.metadata.uid && sameTemplate(found.spec.template, d.spec.template)) {
        return { rs: found, d: await this.setDeploymentRevision(d, revisionOf(found)), created: false };
      }
      // A different ReplicaSet has the name: count the collision so the next hash differs.
      await this.writeStatus(d, { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 });
      return undefined;
    }
    if (specReplicas(created) > 0) this.events.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} to ${specReplicas(created)}`);
    return { rs: created, d: await this.setDeploymentRevision(d, newRevision), created: true };
  }

  private async setDeploymentRevision(d: Deployment, revision: number): Promise<Deployment> {
    if (revision <= 0 || d.metadata.annotations?.[REVISION_ANNOTATION] === String(revision)) return d;
    const next = structuredClone(d);
    next.metadata.annotations = { ...next.metadata.annotations, [REVISION_ANNOTATION]: String(revision) };
    return this.client.update<Deployment>(deploymentsResource, d.metadata.namespace, next);
  }

  /** Sets the ReplicaSet's size and the annotations that record which Deployment size it was sized for. */
  private async scale(d: Deployment, rs: ReplicaSet, replicas: number): Promise<ReplicaSet> {
    const annotations = {
      [DESIRED_REPLICAS_ANNOTATION]: String(d.spec.replicas ?? 1),
      [MAX_REPLICAS_ANNOTATION]: String((d.spec.replicas ?? 1) + maxSurge(d)),
    };
    const current = rs.metadata.annotations ?? {};
    if (specReplicas(rs) === replicas && Object.entries(annotations).every(([k, v]) => current[k] === v)) return rs;
    const next = structuredClone(rs);
    next.spec.replicas = replicas;
    next.metadata.annotations = { ...next.metadata.annotations, ...annotations };
    const written = (await this.writeReplicaSet(next)) ?? next;
    const from = specReplicas(rs);
    if (replicas !== from) this.events.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata.name} to ${replicas}`);
    return written;
  }

  /** PUT with the cached resourceVersion: a stale cache gives a Conflict and a retry. */
  private async writeReplicaSet(rs: ReplicaSet): Promise<ReplicaSet | undefined> {
    try {
      return await this.client.update<ReplicaSet>(replicaSetsResource, rs.metadata.namespace, rs);
    } catch (err) {
      if (isApiError(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  /** Deletes the oldest scaled-down ReplicaSets beyond revisionHistoryLimit. */
  private async cleanupHistory(d: Deployment, old: ReplicaSet[]): Promise<void> {
    const limit = d.spec.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const candidates = old.filter((rs) => !rs.metadata.deletionTimestamp).sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    let excess = candidates.length - limit;
    for (const rs of candidates) {
      if (excess <= 0) break;
      if (specReplicas(rs) !== 0 || (rs.status?.replicas ?? 0) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.client.delete(replicaSetsResource, rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } });
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
      excess--;
    }
  }

  // ---- status ------------------------------------------------------------------

  private async syncStatus(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined, createdNew = false): Promise<void> {
    const now = this.clock.now();
    const status = calculateStatus(d, all, newRS, now);
    if (createdNew && newRS && d.spec.progressDeadlineSeconds != null) {
      const t = rfc3339(now);
      const message = `Created new replica set "${newRS.metadata.name}"`;
      setCondition(status, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message, lastUpdateTime: t, lastTransitionTime: t });
    }
    const recheckIn = applyProgressing(d, status, newRS, now);
    if (recheckIn !== undefined) this.enqueueAfter(d, recheckIn + 1000);
    await this.writeStatus(d, status);
  }

  private async writeStatus(d: Deployment, status: DeploymentStatus): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(d.status ?? {})) return;
    const next = structuredClone(d);
    next.status = status;
    try {
      await this.client.update(deploymentsResource, d.metadata.namespace, next, { subresource: 'status' });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}

/** Annotations the Deployment hands to its new ReplicaSet, e.g. kubernetes.io/change-cause for `rollout history` (k8s copyDeploymentAnnotationsToReplicaSet). */
const NOT_COPIED = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION_ANNOTATION, 'deployment.kubernetes.io/revision-history', DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, 'deprecated.deployment.rollback.to']);
function copiedAnnotations(d: Deployment): Record<string, string> {
  return Object.fromEntries(Object.entries(d.metadata.annotations ?? {}).filter(([k]) => !NOT_COPIED.has(k)));
}

/**
 * How many replicas the new ReplicaSet may have now: up to replicas, while
 * all ReplicaSets together stay within replicas + maxSurge (k8s NewRSNewReplicas).
 */
export function newReplicaSetTarget(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = d.spec.replicas ?? 1;
  const current = specReplicas(newRS);
  if (current >= replicas) return replicas;
  const maxTotal = replicas + maxSurge(d);
  const total = sumOf(all, specReplicas);
  if (total >= maxTotal) return current;
  return current + Math.min(maxTotal - total, replicas - current);
}
