// `kctl apply -f`: kubectl's client-side apply. Missing objects are created
// with the last-applied-configuration annotation; existing ones get a
// three-way patch (last applied, manifest, live) so fields dropped from the
// manifest are removed; an empty patch means `unchanged`.
import { isApiError } from '../api/errors';
import { createThreeWayMergePatch, createThreeWayStrategicMergePatch, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from '../api/patch';
import { findByKind, ResourceInfo } from '../api/resources';
import type { KubeObject } from '../api/types';
import { clone } from '../api/types';
import type { RestClient } from '../client/rest-client';
import { formatError } from './errors';
import { nameOf, sortKeysDeep } from './object-output';
import { Manifest } from './manifests';
import type { Session } from './session';
import { conflictAdvice, serverSideApplyOne, ServerSideOptions } from './server-side-apply';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const FIELD_MANAGER = 'kubectl-client-side-apply';
const MAX_CONFLICT_RETRIES = 5;

export type ApplyResult = 'created' | 'configured' | 'unchanged' | 'serverside-applied';

/** An object ready to send: its resource type and the namespace it goes to. */
export interface ResolvedManifest extends Manifest {
  resource: ResourceInfo;
  namespace: string | undefined;
}

/**
 * Maps every manifest to its resource type and namespace, or returns every
 * problem found. Nothing is sent until all manifests resolve.
 */
export async function resolveManifests(session: Session, manifests: Manifest[]): Promise<{ resolved: ResolvedManifest[]; problems: string[] }> {
  const resolved: ResolvedManifest[] = [];
  const problems: string[] = [];
  for (const m of manifests) {
    const obj = m.object;
    let resource: ResourceInfo;
    try {
      resource = await session.resourceKind(obj.apiVersion, obj.kind);
    } catch (err) {
      if (err instanceof Error && err.name === 'UnknownResourceError') {
        problems.push(`resource mapping not found for name: "${obj.metadata.name ?? ''}" from "${m.source}": ${err.message}`);
        continue;
      }
      throw err;
    }
    let namespace: string | undefined;
    if (resource.namespaced) {
      const own = obj.metadata.namespace;
      if (own && session.namespaceExplicit && own !== session.namespace) {
        problems.push(`the namespace from the provided object "${own}" does not match the namespace "${session.namespace}". You must pass '--namespace=${own}' to perform this operation.`);
        continue;
      }
      namespace = own || session.namespace;
    }
    resolved.push({ ...m, resource, namespace });
  }
  return { resolved, problems };
}

/** The manifest as applied: the annotation holds the manifest itself (without the annotation). */
export function withLastApplied(manifest: KubeObject): KubeObject {
  const obj = clone(manifest);
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  if (Object.keys(annotations).length) obj.metadata.annotations = annotations;
  else delete obj.metadata.annotations;
  const lastApplied = JSON.stringify(sortKeysDeep(obj)) + '\n';
  obj.metadata.annotations = { ...annotations, [LAST_APPLIED_ANNOTATION]: lastApplied };
  return obj;
}

/** The patch that brings `live` to `manifest`: strategic for built-in kinds, merge patch otherwise. */
export function applyPatchFor(manifest: KubeObject, live: KubeObject): { patch: Record<string, unknown>; contentType: string } {
  const modified = withLastApplied(manifest);
  const lastAppliedText = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  let original: unknown = {};
  if (lastAppliedText) {
    try {
      original = JSON.parse(lastAppliedText);
    } catch {
      original = {};
    }
  }
  if (findByKind(manifest.apiVersion, manifest.kind)) {
    return { patch: createThreeWayStrategicMergePatch(original, modified, live, manifest.kind), contentType: STRATEGIC_MERGE_PATCH };
  }
  return { patch: createThreeWayMergePatch(original, modified, live), contentType: MERGE_PATCH };
}

export async function applyOne(client: RestClient, m: ResolvedManifest): Promise<ApplyResult> {
  const obj = m.object;
  const name = obj.metadata.name;
  if (!name) {
    await client.create(m.resource, m.namespace, withLastApplied(obj), { fieldManager: FIELD_MANAGER, fieldValidation: 'Strict' });
    return 'created';
  }
  for (let attempt = 0; ; attempt++) {
    let live: KubeObject;
    try {
      live = await client.get(m.resource, m.namespace, name);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
      try {
        await client.create(m.resource, m.namespace, withLastApplied(obj), { fieldManager: FIELD_MANAGER, fieldValidation: 'Strict' });
        return 'created';
      } catch (createErr) {
        // Someone created it between our GET and POST: patch it instead.
        if (isApiError(createErr, 'AlreadyExists') && attempt < MAX_CONFLICT_RETRIES) continue;
        throw createErr;
      }
    }
    const { patch, contentType } = applyPatchFor(obj, live);
    if (Object.keys(patch).length === 0) return 'unchanged';
    try {
      await client.patch(m.resource, m.namespace, name, patch, contentType, { fieldManager: FIELD_MANAGER, fieldValidation: 'Strict' });
      return 'configured';
    } catch (err) {
      if (isApiError(err, 'Conflict') && attempt < MAX_CONFLICT_RETRIES) continue;
      throw err;
    }
  }
}

/** Applies every manifest in order (server-side when `serverSide` is given); returns whether all succeeded. */
export async function applyAll(session: Session, manifests: ResolvedManifest[], serverSide?: ServerSideOptions): Promise<boolean> {
  let ok = true;
  for (const m of manifests) {
    try {
      const result = serverSide ? await serverSideApplyOne(session.client, m, serverSide) : await applyOne(session.client, m);
      session.io.out(`${nameOf(m.resource, m.object.metadata.name ?? m.object.metadata.generateName)} ${result}\n`);
    } catch (err) {
      ok = false;
      const action = `error when applying "${m.source}" (${nameOf(m.resource, m.object.metadata.name)})`;
      const advice = conflictAdvice(err);
      const text = advice ? `${formatError(err)}\n${advice}` : formatError(err);
      session.io.err(`${action}:\n${text}\n`);
      if (err instanceof Error && err.name === 'ConnectionError') return false;
    }
  }
  return ok;
}
