// JSON Merge Patch (RFC 7386): apply, and compute 2-way and 3-way patches the
// way kubectl does for kinds it has no strategic-merge metadata for
// (k8s.io/apimachinery/pkg/util/jsonmergepatch).

import { deepClone, deepEqual, hasKey, isJsonObject, JsonObject, JsonValue, setKey } from './json-value';

/** RFC 7386: objects merge recursively, `null` deletes a key, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): JsonValue {
  if (!isJsonObject(patch)) return deepClone(patch);
  return mergeInto(isJsonObject(target) ? deepClone(target) : {}, patch);
}

/** Merges `patch` into `target`, which the caller owns and may be changed. */
function mergeInto(target: JsonObject, patch: JsonObject): JsonObject {
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete target[key];
    } else if (isJsonObject(value)) {
      const existing = hasKey(target, key) ? target[key] : undefined;
      setKey(target, key, mergeInto(isJsonObject(existing) ? existing : {}, value));
    } else {
      setKey(target, key, deepClone(value));
    }
  }
  return target;
}

/**
 * The merge patch that turns `original` into `modified`: changed and added
 * fields with their new values, removed fields as `null`, lists whole.
 */
export function createMergePatch(original: unknown, modified: unknown): JsonValue {
  if (!isJsonObject(original) || !isJsonObject(modified)) return deepClone(modified);
  return diffObjects(original, modified);
}

function diffObjects(original: JsonObject, modified: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(original)) {
    if (!hasKey(modified, key)) setKey(patch, key, null);
  }
  for (const key of Object.keys(modified)) {
    const before = hasKey(original, key) ? original[key] : undefined;
    const after = modified[key];
    if (isJsonObject(before) && isJsonObject(after)) {
      const sub = diffObjects(before, after);
      if (Object.keys(sub).length > 0) setKey(patch, key, sub);
    } else if (before === undefined || !deepEqual(before, after)) {
      setKey(patch, key, deepClone(after));
    }
  }
  return patch;
}

/**
 * kubectl's client-side apply patch for kinds without strategic metadata:
 * additions and changes from `current` (live) to `modified` (new manifest),
 * plus deletions (`null`) of fields that `original` (last-applied) had and
 * `modified` dropped. Fields set only by others on the live object survive.
 */
export function createThreeWayMergePatch(original: unknown, modified: unknown, current: unknown): JsonObject {
  const addAndChange = createMergePatch(isJsonObject(current) ? current : {}, isJsonObject(modified) ? modified : {});
  const deletions = createMergePatch(isJsonObject(original) ? original : {}, isJsonObject(modified) ? modified : {});
  const onlyAdditions = withoutNulls(addAndChange as JsonObject);
  const onlyDeletions = onlyNulls(deletions as JsonObject);
  // The additions hold no nulls, so applying them to the deletions is a plain deep merge.
  return mergeInto(onlyDeletions, onlyAdditions);
}

/**
 * Drops every null (and any object left empty by that) from a patch. An empty
 * object that was empty to begin with is a value (`emptyDir: {}`) and stays.
 */
function withoutNulls(patch: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(patch)) {
    const v = patch[key];
    if (v === null) continue;
    if (isJsonObject(v) && Object.keys(v).length > 0) {
      const sub = withoutNulls(v);
      if (Object.keys(sub).length > 0) setKey(out, key, sub);
    } else {
      setKey(out, key, v);
    }
  }
  return out;
}

/** Keeps only the nulls (deletions) of a patch and the objects that lead to them. */
function onlyNulls(patch: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(patch)) {
    const v = patch[key];
    if (v === null) {
      setKey(out, key, null);
    } else if (isJsonObject(v)) {
      const sub = onlyNulls(v);
      if (Object.keys(sub).length > 0) setKey(out, key, sub);
    }
  }
  return out;
}
