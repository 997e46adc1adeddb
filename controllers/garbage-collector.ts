// The garbage collector: cascading deletion through ownerReferences.
//   Background: an object all of whose owners are gone is deleted.
//   Foreground: an owner being deleted with the `foregroundDeletion` finalizer
//     has its dependents deleted; once none that block it (blockOwnerDeletion)
//     is left, the finalizer goes and the owner with it.
//   Orphan: an owner being deleted with the `orphan` finalizer has the
//     references to it removed from its dependents, then loses the finalizer.
// Owners are found by uid among every watched kind; an owner missing from the
// caches is confirmed absent with the API before anything is deleted.
import { isApiError } from '../api/errors';
import { findByKind, ResourceInfo, RESOURCES } from '../api/resources';
import type { DeleteOptions, KubeObject, OwnerReference } from '../api/types';
import { Informer, keyOf, sameFields, splitKey } from '../client/informer';
import { Controller, ControllerContext } from './controller';
import { withoutOwnerRef } from './owner-refs';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

/** Every kind but Events (many, short-lived, never owners); node Leases are owned by their Nodes. */
const DEFAULT_KINDS = RESOURCES.filter((r) => r.kind !== 'Event');

interface Located {
  resource: ResourceInfo;
  obj: KubeObject;
}

export class GarbageCollector extends Controller {
  private readonly watched: Informer[];
  /** uid → where the object lives, for owner lookups. */
  private readonly byUid = new Map<string, Located>();
  /** owner uid → keys (`resourceId|namespace/name`) of objects referring to it. */
  private readonly dependents = new Map<string, Set<string>>();

  constructor(ctx: ControllerContext & { kinds?: readonly ResourceInfo[] }) {
    super('garbage-collector', ctx);
    this.watched = (ctx.kinds ?? DEFAULT_KINDS).map((r) => this.informers.for(r));
    for (const inf of this.watched) {
      inf.addEventHandler({
        onAdd: (o) => this.observed(inf.resource, undefined, o),
        onUpdate: (old, o) => this.observed(inf.resource, old, o),
        onDelete: (o) => this.gone(inf.resource, o),
      });
    }
  }

  // ---- the ownership graph, kept by the handlers --------------------------------

  private itemKey(r: ResourceInfo, obj: KubeObject): string {
    return `${resourceId(r)}|${keyOf(obj)}`;
  }

  private observed(r: ResourceInfo, old: KubeObject | undefined, obj: KubeObject): void {
    const uid = obj.metadata.uid!;
    const known = old ? this.byUid.get(uid) : undefined;
    if (known && known.resource === r) known.obj = obj;
    else this.byUid.set(uid, { resource: r, obj });
    const refs = obj.metadata.ownerReferences;
    const hasOwners = refs !== undefined && refs.length > 0;
    // Resyncs (old === obj) re-check everything that has owners, catching anything missed.
    const ownersChanged = !old || old === obj || !sameOwnerRefs(old.metadata.ownerReferences, refs);
    let key: string | undefined;
    // The dependents index moves only when the references do (a resync changes nothing).
    if (!old || (old !== obj && (ownersChanged || old.metadata.uid !== uid))) {
      const oldRefs = old && old.metadata.uid === uid ? old.metadata.ownerReferences : undefined;
      if (oldRefs?.length || hasOwners) key = this.itemKey(r, obj);
      if (oldRefs) for (const ref of oldRefs) this.dependents.get(ref.uid)?.delete(key!);
      if (refs) {
        for (const ref of refs) {
          let set = this.dependents.get(ref.uid);
          if (!set) this.dependents.set(ref.uid, (set = new Set()));
          set.add(key!);
        }
      }
    }
    const fins = obj.metadata.finalizers;
    const waiting = obj.metadata.deletionTimestamp && fins && (fins.includes(FOREGROUND_FINALIZER) || fins.includes(ORPHAN_FINALIZER));
    if (waiting || (hasOwners && ownersChanged)) this.enqueue(key ?? this.itemKey(r, obj));
    // An owner in foreground deletion waits for this dependent to go.
    if (obj.metadata.deletionTimestamp && !old?.metadata.deletionTimestamp) this.enqueueWaitingOwners(obj);
  }

  private gone(r: ResourceInfo, obj: KubeObject): void {
    const uid = obj.metadata.uid!;
    if (this.byUid.get(uid)?.obj.metadata.name === obj.metadata.name) this.byUid.delete(uid);
    const refs = obj.metadata.ownerReferences;
    if (refs?.length) {
      const key = this.itemKey(r, obj);
      for (const ref of refs) this.dependents.get(ref.uid)?.delete(key);
    }
    // Its dependents may now be garbage.
    for (const dep of this.dependents.get(uid) ?? []) this.enqueue(dep);
    this.enqueueWaitingOwners(obj);
  }

  private enqueueWaitingOwners(obj: KubeObject): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const owner = this.byUid.get(ref.uid);
      if (owner?.obj.metadata.deletionTimestamp) this.enqueue(this.itemKey(owner.resource, owner.obj));
    }
  }

  private lookup(key: string): Located | undefined {
    const bar = key.indexOf('|');
    const resource = resourceById(key.slice(0, bar));
    if (!resource) return undefined;
    const obj = this.informers.for(resource).get(key.slice(bar + 1));
    return obj ? { resource, obj } : undefined;
  }

  /** Objects that refer to `uid` as an owner, from the caches. */
  dependentsOf(uid: string): Located[] {
    const out: Located[] = [];
    for (const key of this.dependents.get(uid) ?? []) {
      const found = this.lookup(key);
      if (found && found.obj.metadata.ownerReferences?.some((r) => r.uid === uid)) out.push(found);
    }
    return out;
  }

  // ---- reconcile ---------------------------------------------------------------

  async reconcile(key: string): Promise<void> {
    const item = this.lookup(key);
    if (!item) return;
    const { obj } = item;
    const fins = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp && fins.includes(ORPHAN_FINALIZER)) return this.orphanDependents(item);
    if (obj.metadata.deletionTimestamp && fins.includes(FOREGROUND_FINALIZER)) await this.deleteDependentsFirst(item);
    await this.collectIfOwnersGone(item);
  }

  private async orphanDependents({ resource, obj }: Located): Promise<void> {
    const uid = obj.metadata.uid!;
    for (const dep of this.dependentsOf(uid)) await this.write(dep.resource, withoutOwnerRef(dep.obj, uid));
    await this.removeFinalizer(resource, obj, ORPHAN_FINALIZER);
  }

  private async deleteDependentsFirst({ resource, obj }: Located): Promise<void> {
    const deps = this.dependentsOf(obj.metadata.uid!);
    for (const dep of deps) {
      if (dep.obj.metadata.deletionTimestamp) continue;
      // A dependent with dependents of its own goes in the foreground too, so the chain unwinds from the leaves.
      const hasDependents = (this.dependents.get(dep.obj.metadata.uid!)?.size ?? 0) > 0;
      await this.deleteObject(dep.resource, dep.obj, hasDependents ? 'Foreground' : 'Background');
    }
    const blocking = deps.filter((d) => d.obj.metadata.ownerReferences?.some((r) => r.uid === obj.metadata.uid && r.blockOwnerDeletion));
    if (blocking.length === 0) await this.removeFinalizer(resource, obj, FOREGROUND_FINALIZER);
  }

  /** Deletes obj when every owner is gone; drops references to owners that are gone when some remain. */
  private async collectIfOwnersGone({ resource, obj }: Located): Promise<void> {
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const dangling: OwnerReference[] = [];
    let solid = 0;
    let waiting = 0;
    for (const ref of refs) {
      const state = await this.ownerState(ref, obj.metadata.namespace);
      if (state === 'absent') dangling.push(ref);
      else if (state === 'foreground') waiting++;
      else solid++;
    }
    if (solid > 0) {
      if (dangling.length > 0) {
        let next = obj;
        for (const ref of dangling) next = withoutOwnerRef(next, ref.uid);
        await this.write(resource, next);
      }
      return;
    }
    if (obj.metadata.deletionTimestamp) return;
    const hasDependents = (this.dependents.get(obj.metadata.uid!)?.size ?? 0) > 0;
    await this.deleteObject(resource, obj, waiting > 0 && hasDependents ? 'Foreground' : 'Background');
  }

  private ownerIsForeground(ref: OwnerReference): boolean {
    const owner = this.byUid.get(ref.uid)?.obj;
    return !!owner?.metadata.deletionTimestamp && (owner.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER);
  }

  /** 'present', 'foreground' (being deleted, waiting for dependents) or 'absent' (confirmed with the API). */
  private async ownerState(ref: OwnerReference, namespace: string | undefined): Promise<'present' | 'foreground' | 'absent'> {
    if (this.byUid.has(ref.uid)) return this.ownerIsForeground(ref) ? 'foreground' : 'present';
    const resource = findByKind(ref.apiVersion, ref.kind);
    if (!resource) return 'present'; // a kind we do not serve: never collect on a guess
    try {
      const live = await this.client.get(resource, resource.namespaced ? namespace : undefined, ref.name);
      if (live.metadata.uid !== ref.uid) return 'absent';
      const fins = live.metadata.finalizers ?? [];
      return live.metadata.deletionTimestamp && fins.includes(FOREGROUND_FINALIZER) ? 'foreground' : 'present';
    } catch (err) {
      if (isApiError(err, 'NotFound')) return 'absent';
      throw err;
    }
  }

  // ---- writes ------------------------------------------------------------------

  private async deleteObject(resource: ResourceInfo, obj: KubeObject, policy: DeleteOptions['propagationPolicy']): Promise<void> {
    const { namespace, name } = splitKey(keyOf(obj));
    try {
      await this.client.delete(resource, namespace, name, { propagationPolicy: policy, preconditions: { uid: obj.metadata.uid } });
    } catch (err) {
      if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err;
    }
  }

  private async removeFinalizer(resource: ResourceInfo, obj: KubeObject, finalizer: string): Promise<void> {
    const next = structuredClone(obj);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await this.write(resource, next);
  }

  /** PUT with the cached resourceVersion: a stale cache gives a Conflict and a retry. */
  private async write(resource: ResourceInfo, obj: KubeObject): Promise<void> {
    try {
      await this.client.update(resource, obj.metadata.namespace, obj);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}

const resourceIds = new WeakMap<ResourceInfo, string>();

function resourceId(r: ResourceInfo): string {
  let id = resourceIds.get(r);
  if (id === undefined) resourceIds.set(r, (id = `${r.group}/${r.version}/${r.plural}`));
  return id;
}

function resourceById(id: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => resourceId(r) === id);
}

/** Whether two lists of owner references are equal field by field (missing and empty are the same). */
function sameOwnerRefs(a: readonly OwnerReference[] | undefined, b: readonly OwnerReference[] | undefined): boolean {
  if (a === b) return true;
  const n = a?.length ?? 0;
  if (n !== (b?.length ?? 0)) return false;
  for (let i = 0; i < n; i++) if (!sameFields(a![i], b![i])) return false;
  return true;
}
