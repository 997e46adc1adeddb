// Moving between client-side and server-side apply, as Kubernetes'
// lastAppliedManager and lastAppliedUpdater do for the field manager
// "kubectl": conflicts on fields the last-applied-configuration annotation
// lists are the same user's fields and are taken over, and a server-side
// apply keeps an existing annotation in step with what it applied.
import type { PatchMeta } from '../patch/patch-meta';
import type { KubeObject } from '../types';
import { FieldSet } from './field-set';
import { fieldSetOf } from './walk';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** Only kubectl's own server-side manager takes over client-side apply's fields. */
export const KUBECTL_MANAGER = 'kubectl';

/** The fields of the live object's last-applied configuration, if it has a readable one of the same apiVersion. */
export function lastAppliedFields(live: KubeObject, meta: PatchMeta, owned: (obj: unknown) => unknown): FieldSet | undefined {
  const text = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return undefined;
  let last: KubeObject;
  try {
    last = JSON.parse(text) as KubeObject;
  } catch {
    return undefined;
  }
  if (!last || typeof last !== 'object' || last.apiVersion !== live.apiVersion) return undefined;
  try {
    return fieldSetOf(owned(last), meta);
  } catch {
    return undefined;
  }
}

/** Rewrites an existing annotation to the configuration just applied (without the annotation itself). */
export function syncLastApplied(result: KubeObject, config: KubeObject): void {
  const annotations = result.metadata.annotations;
  if (!annotations?.[LAST_APPLIED_ANNOTATION]) return;
  const applied = structuredClone(config);
  if (applied.metadata?.annotations) {
    delete applied.metadata.annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(applied.metadata.annotations).length === 0) delete applied.metadata.annotations;
  }
  result.metadata.annotations = { ...annotations, [LAST_APPLIED_ANNOTATION]: JSON.stringify(applied) + '\n' };
}
