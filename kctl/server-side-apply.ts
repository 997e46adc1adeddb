// `kctl apply --server-side [--field-manager NAME] [--force-conflicts]`: one
// PATCH application/apply-patch+yaml per object, as kubectl sends it; the
// apiserver merges, tracks field ownership and reports conflicts.
import { ApiError, isApiError } from '../api/errors';
import { resourcePath } from '../api/resources';
import type { RestClient } from '../client/rest-client';
import type { ResolvedManifest } from './apply';

export const APPLY_PATCH = 'application/apply-patch+yaml';
/** kubectl's field manager for `apply --server-side`. */
export const SERVER_SIDE_MANAGER = 'kubectl';

export interface ServerSideOptions {
  fieldManager: string;
  force: boolean;
}

export async function serverSideApplyOne(client: RestClient, m: ResolvedManifest, opts: ServerSideOptions): Promise<'serverside-applied'> {
  const name = m.object.metadata.name;
  if (!name) throw new Error('metadata.name is required for server-side apply');
  await client.request('PATCH', resourcePath(m.resource, m.namespace, name), {
    body: m.object,
    contentType: APPLY_PATCH,
    query: { fieldManager: opts.fieldManager, fieldValidation: 'Strict', force: opts.force },
  });
  return 'serverside-applied';
}

/** kubectl's advice after an apply conflict (its message already lists each field and manager). */
export function conflictAdvice(err: unknown): string | undefined {
  if (!isApiError(err, 'Conflict') || !(err as ApiError).details?.causes?.some((c) => c.reason === 'FieldManagerConflict')) return undefined;
  return `Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the \`--force-conflicts\` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts`;
}
