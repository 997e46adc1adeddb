// ownerReferences: who controls an object, and how controllers claim one.
import type { KubeObject, OwnerReference } from '../api/types';

/** The owner reference with controller=true, if any. */
export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  return controllerRefOf(obj)?.uid === owner.metadata.uid;
}

/** What a controller writes into the objects it creates or adopts. */
export function makeControllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** A copy of obj with `ref` added (adopt) — the cached object is left alone. */
export function withOwnerRef(obj: KubeObject, ref: OwnerReference): KubeObject {
  const next = structuredClone(obj);
  next.metadata.ownerReferences = [...(next.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid), ref];
  return next;
}

/** A copy of obj without the reference to `ownerUid` (release, orphan). */
export function withoutOwnerRef(obj: KubeObject, ownerUid: string): KubeObject {
  const next = structuredClone(obj);
  const left = (next.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  if (left.length) next.metadata.ownerReferences = left;
  else delete next.metadata.ownerReferences;
  return next;
}
