// PATCH bodies, dispatched on their media type, as the apiserver applies them.
// kctl uses the create* functions to compute client-side apply patches.

import { errors } from '../errors';
import { applyJsonPatch } from './json-patch';
import { unprocessablePatch } from './patch-errors';
import { applyMergePatch } from './json-merge-patch';
import { isJsonObject, JsonObject, JsonValue, parseJsonBody } from './json-value';
import { applyStrategicMergePatch } from './strategic-merge-patch';

export { applyMergePatch, createMergePatch, createThreeWayMergePatch } from './json-merge-patch';
export { applyJsonPatch, decodeJsonPatch } from './json-patch';
export type { JsonPatchOperation } from './json-patch';
export {
  applyStrategicMergePatch,
  createThreeWayStrategicMergePatch,
  createTwoWayStrategicMergePatch,
} from './strategic-merge-patch';
export { patchMetaForKind } from './patch-meta';
export type { PatchMeta } from './patch-meta';
export type { JsonObject, JsonValue } from './json-value';

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

export const PATCH_CONTENT_TYPES: readonly string[] = [MERGE_PATCH, JSON_PATCH, STRATEGIC_MERGE_PATCH];

/**
 * Applies a PATCH body to `original` (never changed) and returns the new
 * object. `patchBody` is the raw body (string or bytes) or its parsed JSON;
 * `contentType` may carry parameters (`; charset=utf-8`); `kind` selects the
 * strategic-merge metadata. Server-side apply (application/apply-patch+yaml)
 * is not handled here.
 */
export function applyPatch(original: unknown, patchBody: unknown, contentType: string, kind: string): JsonObject {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (!PATCH_CONTENT_TYPES.includes(type)) throw errors.unsupportedMediaType(contentType);
  const patch: JsonValue =
    typeof patchBody === 'string' || patchBody instanceof Uint8Array
      ? parseJsonBody(patchBody, errors.badRequest)
      : (patchBody as JsonValue);

  switch (type) {
    case MERGE_PATCH: {
      if (!isJsonObject(patch)) throw errors.badRequest('merge patch must be a JSON object');
      return applyMergePatch(original, patch) as JsonObject;
    }
    case STRATEGIC_MERGE_PATCH:
      return applyStrategicMergePatch(original, patch, kind);
    default: {
      const result = applyJsonPatch(original, patch);
      if (!isJsonObject(result)) {
        throw unprocessablePatch('the patched document is not a JSON object');
      }
      return result;
    }
  }
}
