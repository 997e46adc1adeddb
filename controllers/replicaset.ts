// The ReplicaSet controller: keeps spec.replicas active pods that match the
// selector and are controlled by the ReplicaSet. It adopts matching orphans,
// releases pods that stop matching, creates missing pods from the template
// (generateName, controller ownerReference), deletes surplus ones (the least
// useful first) and reports status.
import { isApiError } from '../api/errors';
import { labelSelectorToSelector, matches, Selector } from '../api/labels';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { Informer } from '../client/informer';
import { keyOf, splitKey } from '../client/informer';
import { Controller, ControllerContext } from './controller';
import { Expectations } from './expectations';
import { controllerRefOf, makeControllerRef, withOwnerRef, withoutOwnerRef } from './owner-refs';
import { compareForDeletion, isPodActive, isPodAvailable, isPodReady, readySince } from './pod-state';
import type { Pod, ReplicaSet, ReplicaSetStatus } from './workload-types';

export const podsResource = findByKind('v1', 'Pod')!;
export const replicaSetsResource = findByKind('apps/v1', 'ReplicaSet')!;

/** Most pods created or deleted in one reconcile (k8s burstReplicas). */
const BURST_REPLICAS = 500;

export class ReplicaSetController extends Controller {
  readonly expectations: Expectations;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;

  constructor(ctx: ControllerContext & { expectationsTtlMs?: number }) {
    super('replicaset-controller', ctx);
    this.expectations = new Expectations(this.clock, ctx.expectationsTtlMs);
    this.replicaSets = this.informers.for<ReplicaSet>(replicaSetsResource);
    this.pods = this.informers.for<Pod>(podsResource);
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (_old, rs) => this.enqueue(rs),
      onDelete: (rs) => this.enqueue(rs),
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.podAdded(pod),
      onUpdate: (old, pod) => this.podUpdated(old, pod),
      onDelete: (pod) => this.podDeleted(pod),
    });
  }

  // ---- event handlers: they only enqueue ---------------------------------------

  private ownerKey(pod: Pod): string | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.replicaSets.getByName(pod.metadata.namespace, ref.name);
    return rs && rs.metadata.uid === ref.uid ? keyOf(rs) : undefined;
  }

  /** ReplicaSets in the pod's namespace whose selector matches it (candidates to adopt it). */
  private enqueueMatching(pod: Pod): void {
    for (const rs of this.replicaSets.list(pod.metadata.namespace)) {
      if (matches(selectorOf(rs), pod.metadata.labels)) this.enqueue(rs);
    }
  }

  private podAdded(pod: Pod): void {
    const key = this.ownerKey(pod);
    if (key) {
      this.expectations.creationObserved(key);
      this.enqueue(key);
    } else if (!controllerRefOf(pod)) {
      this.enqueueMatching(pod);
    }
  }

  private podUpdated(old: Pod, pod: Pod): void {
    const key = this.ownerKey(pod);
    // A graceful deletion is a deletion as far as counting goes.
    if (key && pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) this.expectations.deletionObserved(key, pod.metadata.uid!);
    const oldKey = this.ownerKey(old);
    if (oldKey && oldKey !== key) this.enqueue(oldKey);
    if (key) {
      this.enqueue(key);
      const rs = this.replicaSets.get(key);
      const minReady = rs?.spec.minReadySeconds ?? 0;
      // Re-check once the pod has been ready for minReadySeconds.
      if (minReady > 0 && isPodReady(pod) && !isPodReady(old)) this.enqueueAfter(key, minReady * 1000 + 1);
    } else if (!controllerRefOf(pod) || JSON.stringify(old.metadata.labels) !== JSON.stringify(pod.metadata.labels)) {
      this.enqueueMatching(pod);
    }
  }

  private podDeleted(pod: Pod): void {
    const key = this.ownerKey(pod);
    if (!key) return;
    this.expectations.deletionObserved(key, pod.metadata.uid!);
    this.enqueue(key);
  }

  // ---- reconcile ---------------------------------------------------------------

  async reconcile(key: string): Promise<void> {
    const rs = this.replicaSets.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const selector = selectorOf(rs);
    const pods = await this.claimPods(rs, selector);
    const active = pods.filter(isPodActive);
    let counted = active;
    if (this.expectations.satisfied(key) && !rs.metadata.deletionTimestamp) {
      // Pods deleted just now are no longer counted, though the cache still shows them.
      const deleted = await this.manageReplicas(rs, active);
      counted = active.filter((p) => !deleted.has(p.metadata.uid!));
    }
    await this.updateStatus(rs, counted);
  }

  /** The pods this ReplicaSet controls after adopting matching orphans and releasing ones that no longer match. */
  private async claimPods(rs: ReplicaSet, selector: Selector | null): Promise<Pod[]> {
    const ns = rs.metadata.namespace;
    const claimed: Pod[] = [];
    const deleting = !!rs.metadata.deletionTimestamp;
    for (const pod of this.pods.list(ns)) {
      const ref = controllerRefOf(pod);
      const matching = matches(selector, pod.metadata.labels);
      if (ref) {
        if (ref.uid !== rs.metadata.uid) continue;
        if (matching || deleting) {
          claimed.push(pod);
          continue;
        }
        await this.writePod(withoutOwnerRef(pod, rs.metadata.uid!));
        continue;
      }
      if (!matching || deleting || pod.metadata.deletionTimestamp || !isPodActive(pod)) continue;
      const adopted = await this.writePod(withOwnerRef(pod, makeControllerRef(rs)));
      if (adopted) claimed.push(adopted);
    }
    return claimed;
  }

  /** PUT with the cached resourceVersion: a stale cache gives a Conflict, and a retry. */
  private async writePod(pod: KubeObject): Promise<Pod | undefined> {
    try {
      return await this.client.update<Pod>(podsResource, pod.metadata.namespace, pod);
    } catch (err) {
      if (isApiError(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  /** Creates or deletes pods towards spec.replicas; returns the uids it deleted. */
  private async manageReplicas(rs: ReplicaSet, active: Pod[]): Promise<Set<string>> {
    const key = keyOf(rs);
    const want = rs.spec.replicas ?? 1;
    const diff = active.length - want;
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, count);
      const { succeeded, error } = await slowStartBatch(count, () => this.createPod(rs));
      // Creations that failed or were skipped will never be observed.
      for (let i = succeeded; i < count; i++) this.expectations.creationObserved(key);
      if (error) throw error;
      return new Set();
    }
    if (diff > 0) {
      const victims = [...active].sort(compareForDeletion).slice(0, Math.min(diff, BURST_REPLICAS));
      this.expectations.expectDeletions(key, victims.map((p) => p.metadata.uid!));
      const failures: Error[] = [];
      await Promise.all(
        victims.map(async (pod) => {
          try {
            await this.client.delete(podsResource, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
          } catch (err) {
            // Already gone: nothing more will be observed for it.
            this.expectations.deletionObserved(key, pod.metadata.uid!);
            if (!isApiError(err, 'NotFound')) failures.push(err as Error);
          }
        }),
      );
      if (failures.length) throw failures[0];
      return new Set(victims.map((p) => p.metadata.uid!));
    }
    return new Set();
  }

  private async createPod(rs: ReplicaSet): Promise<void> {
    const template = rs.spec.template ?? {};
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}) },
        annotations: template.metadata?.annotations ? { ...template.metadata.annotations } : undefined,
        finalizers: template.metadata?.finalizers ? [...template.metadata.finalizers] : undefined,
        ownerReferences: [makeControllerRef(rs)],
      },
      spec: structuredClone(template.spec ?? {}),
    };
    if (!pod.metadata.annotations) delete pod.metadata.annotations;
    if (!pod.metadata.finalizers) delete pod.metadata.finalizers;
    // No Event per pod (Kubernetes aggregates those anyway): at a thousand pods they would double the writes.
    await this.client.create(podsResource, rs.metadata.namespace, pod);
  }

  private async updateStatus(rs: ReplicaSet, active: Pod[]): Promise<void> {
    const now = this.clock.now();
    const minReady = rs.spec.minReadySeconds ?? 0;
    const templateLabels = rs.spec.template?.metadata?.labels ?? {};
    const status: ReplicaSetStatus = {
      ...(rs.status ?? {}),
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: active.filter((p) => isPodAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation,
    };
    // Pods ready but not yet for minReadySeconds: look again when they will be.
    if (minReady > 0) {
      const soonest = Math.min(...active.filter((p) => isPodReady(p) && !isPodAvailable(p, minReady, now)).map((p) => readySince(p)! + minReady * 1000 - now));
      if (Number.isFinite(soonest)) this.enqueueAfter(rs, Math.max(1, soonest + 1));
    }
    if (sameStatus(rs.status, status)) return;
    const next = structuredClone(rs);
    next.status = status;
    try {
      await this.client.update(replicaSetsResource, rs.metadata.namespace, next, { subresource: 'status' });
    } catch (err) {
      if (isApiError(err, 'NotFound')) return;
      if (!isApiError(err, 'Conflict')) throw err;
      // The ReplicaSet changed since the cache saw it; write the status on the latest copy once.
      const { namespace, name } = splitKey(keyOf(rs));
      const latest = await this.client.get<ReplicaSet>(replicaSetsResource, namespace, name);
      if (latest.metadata.uid !== rs.metadata.uid) return;
      latest.status = { ...status, observedGeneration: rs.metadata.generation };
      await this.client.update(replicaSetsResource, namespace, latest, { subresource: 'status' });
    }
  }
}

export function selectorOf(obj: { spec: { selector?: Parameters<typeof labelSelectorToSelector>[0] } }): Selector | null {
  try {
    const sel = labelSelectorToSelector(obj.spec.selector);
    // An empty selector would match every pod in the namespace: treat it as matching none.
    return sel && sel.length > 0 ? sel : null;
  } catch {
    return null;
  }
}

function sameStatus(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  return (
    a !== undefined &&
    a.replicas === b.replicas &&
    (a.fullyLabeledReplicas ?? 0) === (b.fullyLabeledReplicas ?? 0) &&
    (a.readyReplicas ?? 0) === (b.readyReplicas ?? 0) &&
    (a.availableReplicas ?? 0) === (b.availableReplicas ?? 0) &&
    a.observedGeneration === b.observedGeneration
  );
}

/**
 * Runs `count` calls in batches of 1, 2, 4, … (k8s slowStartBatch) so a
 * template the server rejects fails once, not `count` times. Stops after
 * the first batch with a failure.
 */
export async function slowStartBatch(count: number, fn: () => Promise<void>): Promise<{ succeeded: number; error?: Error }> {
  let succeeded = 0;
  let started = 0;
  for (let batch = 1; started < count; batch *= 2) {
    const size = Math.min(batch, count - started);
    started += size;
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn()));
    succeeded += results.filter((r) => r.status === 'fulfilled').length;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) return { succeeded, error: failed.reason as Error };
  }
  return { succeeded };
}
