// Kubernetes strategic merge patch: applying a patch (what the apiserver does
// for application/strategic-merge-patch+json), following
// k8s.io/apimachinery/pkg/util/strategicpatch. Lists described in
// patch-meta.ts merge by key (or as sets of scalars); everything else behaves
// as JSON merge patch. Patch computation lives in strategic-merge-diff.ts.
//
// Errors: malformed directives are 400 BadRequest, like the apiserver's
// interpretPatchError; lists of lists are 422 Invalid. Where Kubernetes
// answers 500 (an element without its merge key, an element order that
// contradicts $setElementOrder) we answer 400: the fault is in the request.

import { errors } from '../errors';
import { unprocessablePatch } from './patch-errors';
import { identity, indexIn, orderMergedList } from './list-order';
import { fieldMeta, isMergeList, PatchMeta, patchMetaForKind } from './patch-meta';
import {
  DELETE_FROM_PRIMITIVE_LIST,
  PATCH_DIRECTIVE,
  RETAIN_KEYS,
  SET_ELEMENT_ORDER,
} from './strategic-directives';
import { deepClone, hasKey, isJsonObject, jsonType, JsonObject, JsonValue, setKey } from './json-value';

export { createThreeWayStrategicMergePatch, createTwoWayStrategicMergePatch } from './strategic-merge-diff';

/** Applies `patch` to a copy of `original`, using the patch metadata of `kind`. */
export function applyStrategicMergePatch(original: unknown, patch: unknown, kind: string): JsonObject {
  if (!isJsonObject(patch)) throw errors.badRequest('strategic merge patch must be a JSON object');
  const base: JsonObject = isJsonObject(original) ? deepClone(original) : {};
  return mergeMap(base, patch, patchMetaForKind(kind));
}

function show(v: JsonValue): string {
  return JSON.stringify(v);
}

/** Merges `patch` (read only) into `original` (owned by the caller, changed in place). */
function mergeMap(original: JsonObject, patch: JsonObject, meta: PatchMeta | undefined): JsonObject {
  if (hasKey(patch, PATCH_DIRECTIVE)) {
    const directive = patch[PATCH_DIRECTIVE];
    if (directive === 'delete') return {};
    if (directive === 'replace') return mergeMap({}, withoutKey(patch, PATCH_DIRECTIVE), meta);
    // `merge` is the default for maps: accepted and ignored.
    if (directive !== 'merge') throw errors.badRequest(`unknown patch type: ${show(directive)} in map: ${show(patch)}`);
  }
  applyRetainKeys(original, patch);
  const orderedLists = applyElementOrders(original, patch, meta);

  for (const key of Object.keys(patch)) {
    if (key === PATCH_DIRECTIVE || key === RETAIN_KEYS || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (orderedLists.has(key)) continue;
    const value = patch[key];
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      deleteFromPrimitiveList(original, key, value);
      continue;
    }
    if (value === null) {
      delete original[key];
      continue;
    }
    const child = fieldMeta(meta, key);
    const current = hasKey(original, key) ? original[key] : undefined;
    if (isJsonObject(current) && isJsonObject(value) && child?.strategy !== 'replace') {
      setKey(original, key, mergeMap(current, value, child));
    } else if (Array.isArray(current) && Array.isArray(value)) {
      setKey(original, key, mergeList(current, value, child));
    } else {
      setKey(original, key, materialize(value, child));
    }
  }
  return original;
}

/** A patch value for a field the original lacks: its directives and nulls resolved against nothing. */
function materialize(value: JsonValue, meta: PatchMeta | undefined): JsonValue {
  if (isJsonObject(value)) return meta?.strategy === 'replace' ? deepClone(value) : mergeMap({}, value, meta);
  if (Array.isArray(value)) return isMergeList(meta) ? mergeList([], value, meta) : deepClone(value);
  return value;
}

function withoutKey(obj: JsonObject, key: string): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(obj)) if (k !== key) setKey(out, k, obj[k]);
  return out;
}

/** The metadata for each element of a list described by `meta`. */
function elementMeta(meta: PatchMeta | undefined): PatchMeta | undefined {
  return meta?.fields ? { fields: meta.fields } : undefined;
}

/**
 * Merges a patch list into an original list (owned). Lists without the merge
 * strategy are replaced; merged lists of objects match elements by merge key
 * and honour `$patch` elements; merged lists of scalars are set unions.
 */
function mergeList(original: JsonValue[], patch: readonly JsonValue[], meta: PatchMeta | undefined): JsonValue[] {
  if (!isMergeList(meta)) return deepClone(patch as JsonValue[]);
  if (original.length === 0 && patch.length === 0) return original;
  const elements = elementKind(original, patch);
  if (elements === 'scalar') {
    // A set: duplicates go, the original's included, as in Kubernetes.
    const merged: JsonValue[] = [];
    for (const v of [...original, ...patch]) if (!merged.includes(v)) merged.push(v);
    return orderMergedList(merged, patch, original, undefined);
  }

  const mergeKey = meta?.mergeKey;
  if (!mergeKey) throw errors.badRequest('cannot merge lists of objects without a merge key');
  const itemMeta = elementMeta(meta);
  const regular: JsonObject[] = [];
  let replaceAll = false;
  let remaining = original;
  for (const el of patch) {
    const item = el as JsonObject; // elementKind checked that every element is an object
    const directive = hasKey(item, PATCH_DIRECTIVE) ? item[PATCH_DIRECTIVE] : undefined;
    if (directive === undefined || directive === 'merge') {
      regular.push(item);
    } else if (directive === 'delete') {
      requireMergeKey(item, mergeKey);
      remaining = remaining.filter((o) => !(isJsonObject(o) && hasKey(o, mergeKey) && o[mergeKey] === item[mergeKey]));
    } else if (directive === 'replace') {
      replaceAll = true;
    } else {
      throw errors.badRequest(`unknown patch type: ${show(directive)} in map: ${show(item)}`);
    }
  }
  if (replaceAll) return regular.map((el) => materialize(el, itemMeta));

  const serverOrder = [...remaining];
  const merged = [...remaining];
  for (const item of regular) {
    requireMergeKey(item, mergeKey);
    const at = merged.findIndex((o) => isJsonObject(o) && hasKey(o, mergeKey) && o[mergeKey] === item[mergeKey]);
    if (at >= 0) merged[at] = mergeMap(merged[at] as JsonObject, item, itemMeta);
    else merged.push(materialize(item, itemMeta));
  }
  return orderMergedList(merged, regular, serverOrder, mergeKey);
}

function requireMergeKey(item: JsonObject, mergeKey: string): void {
  if (!hasKey(item, mergeKey)) {
    throw errors.badRequest(`map: ${show(item)} does not contain declared merge key: ${mergeKey}`);
  }
}

/** Whether the elements of a merged list are objects or scalars; rejects lists of lists and mixtures. */
function elementKind(...lists: (readonly JsonValue[])[]): 'object' | 'scalar' {
  let kind: 'object' | 'scalar' | undefined;
  for (const list of lists) {
    for (const v of list) {
      const t = jsonType(v);
      if (t === 'array') throw unprocessablePatch('lists of lists are not supported');
      const k = t === 'object' ? 'object' : 'scalar';
      if (kind && kind !== k) throw errors.badRequest(`list element types are not identical: ${show(list as JsonValue[])}`);
      kind = k;
    }
  }
  return kind ?? 'scalar';
}

/**
 * `$retainKeys: [a, b]` clears every other field of the original map. Every
 * field the patch sets must be listed.
 */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!hasKey(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw errors.badRequest('invalid patch format of retainKeys');
  const retained = new Set<JsonValue>(list);
  for (const key of Object.keys(patch)) {
    if (patch[key] === null || key === RETAIN_KEYS || key === PATCH_DIRECTIVE) continue;
    if (key.startsWith(SET_ELEMENT_ORDER) || key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) continue;
    if (!retained.has(key)) {
      throw errors.badRequest(`invalid patch format of retainKeys: field ${show(key)} is set but not retained`);
    }
  }
  for (const key of Object.keys(original)) if (!retained.has(key)) delete original[key];
}

function directiveTarget(key: string, prefix: string, what: string): string {
  if (!key.startsWith(prefix + '/') || key.length === prefix.length + 1) {
    throw errors.badRequest(`invalid patch format of ${what}: ${show(key)}`);
  }
  return key.slice(prefix.length + 1);
}

/**
 * Handles each `$setElementOrder/<list>` with its list: merges the patch list
 * (if any) and orders the result. Returns the lists it has fully handled.
 */
function applyElementOrders(original: JsonObject, patch: JsonObject, meta: PatchMeta | undefined): Set<string> {
  const handled = new Set<string>();
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const listKey = directiveTarget(key, SET_ELEMENT_ORDER, 'setElementOrder list');
    const order = patch[key];
    if (!Array.isArray(order)) throw errors.badRequest(`invalid patch format of setElementOrder list: ${show(key)}`);
    const listMeta = fieldMeta(meta, listKey);
    // Only merged lists have an order to keep; for others the patch list (if any) replaces.
    if (!isMergeList(listMeta)) continue;
    const mergeKey = listMeta?.mergeKey;
    if (mergeKey) for (const item of order) if (isJsonObject(item)) requireMergeKey(item, mergeKey);
    const patchList = hasKey(patch, listKey) ? patch[listKey] : undefined;
    const originalList = hasKey(original, listKey) ? original[listKey] : undefined;
    if (patchList === null) continue; // the list is being deleted
    if (patchList !== undefined && !Array.isArray(patchList)) continue; // a type change: replaced below
    if (originalList !== undefined && !Array.isArray(originalList)) continue;
    if (patchList) checkPatchFollowsOrder(patchList, order, mergeKey);

    let merged: JsonValue[];
    if (originalList && patchList) merged = mergeList(originalList, patchList, listMeta);
    else if (originalList) merged = originalList;
    else if (patchList) merged = mergeList([], patchList, listMeta);
    else continue;
    setKey(original, listKey, orderMergedList(merged, order, originalList ?? [], mergeKey));
    handled.add(listKey);
  }
  return handled;
}

/** The patch list's elements must appear in $setElementOrder, in the same relative order. */
function checkPatchFollowsOrder(patchList: readonly JsonValue[], order: readonly JsonValue[], mergeKey?: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const kept = mergeKey
    ? patchList.filter((el) => !(isJsonObject(el) && el[PATCH_DIRECTIVE] === 'delete'))
    : patchList;
  let p = 0;
  let o = 0;
  while (p < kept.length && o < order.length) {
    const el = kept[p];
    if (mergeKey && isJsonObject(el) && hasKey(el, PATCH_DIRECTIVE)) {
      p++;
      continue;
    }
    if (identity(el, mergeKey) === identity(order[o], mergeKey)) p++;
    o++;
  }
  if (p < kept.length) {
    throw errors.badRequest(
      `the order in patch list ${show(patchList as JsonValue[])} doesn't match ${SET_ELEMENT_ORDER} list ${show(order as JsonValue[])}`,
    );
  }
}

/** `$deleteFromPrimitiveList/<list>: [x, y]` removes those scalars from the list. */
function deleteFromPrimitiveList(original: JsonObject, key: string, value: JsonValue): void {
  const listKey = directiveTarget(key, DELETE_FROM_PRIMITIVE_LIST, 'primitive list deletion');
  if (!Array.isArray(value)) throw errors.badRequest(`invalid patch format of primitive list deletion: ${show(key)}`);
  const list = hasKey(original, listKey) ? original[listKey] : undefined;
  if (!Array.isArray(list)) return;
  setKey(original, listKey, list.filter((v) => indexIn(value, v, undefined) < 0));
}
