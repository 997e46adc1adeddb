// Computing strategic merge patches the way kubectl does for client-side
// apply (CreateThreeWayMergePatch in k8s.io/apimachinery/pkg/util/strategicpatch):
//   delta     = changes and additions from current (live) to modified (manifest)
//   deletions = what modified dropped compared with original (last-applied)
//   patch     = deletions combined with delta
// Fields only others set on the live object are left alone. Conflict
// detection is not done: kubectl apply always overwrites.

import { errors } from '../errors';
import { unprocessablePatch } from './patch-errors';
import { fieldMeta, isMergeList, PatchMeta, patchMetaForKind } from './patch-meta';
import { DELETE_FROM_PRIMITIVE_LIST, PATCH_DIRECTIVE, RETAIN_KEYS, SET_ELEMENT_ORDER } from './strategic-directives';
import {
  compareStrings,
  deepClone,
  deepEqual,
  hasKey,
  isJsonObject,
  jsonType,
  JsonObject,
  JsonValue,
  setKey,
  sortKeysDeep,
} from './json-value';
import { identity, indexIn } from './list-order';

interface DiffOptions {
  ignoreChangesAndAdditions?: boolean;
  ignoreDeletions?: boolean;
  /** Add `$retainKeys` listing modified's fields (the struct has the retainKeys strategy). */
  buildRetainKeys?: boolean;
}

/** kubectl's client-side apply patch for built-in kinds. Keys are sorted as kubectl sends them. */
export function createThreeWayStrategicMergePatch(
  original: unknown,
  modified: unknown,
  current: unknown,
  kind: string,
): JsonObject {
  const meta = patchMetaForKind(kind);
  const mod = asObject(modified);
  const delta = diffMaps(asObject(current), mod, meta, { ignoreDeletions: true });
  const deletions = diffMaps(asObject(original), mod, meta, { ignoreChangesAndAdditions: true });
  return sortKeysDeep(combinePatches(deletions, delta, meta)) as JsonObject;
}

/** The patch that turns `original` into `modified` (no third party to preserve). */
export function createTwoWayStrategicMergePatch(original: unknown, modified: unknown, kind: string): JsonObject {
  return sortKeysDeep(diffMaps(asObject(original), asObject(modified), patchMetaForKind(kind), {})) as JsonObject;
}

function asObject(v: unknown): JsonObject {
  return isJsonObject(v) ? v : {};
}

function isEmpty(obj: JsonObject): boolean {
  return Object.keys(obj).length === 0;
}

/** Go's fmt "%v" of a scalar, by which Kubernetes sorts list elements. */
function sortKey(v: JsonValue | undefined): string {
  return v === null || v === undefined ? '<nil>' : String(v);
}

function diffMaps(original: JsonObject, modified: JsonObject, meta: PatchMeta | undefined, opts: DiffOptions): JsonObject {
  const patch: JsonObject = {};
  const retained: string[] = [];
  for (const key of Object.keys(modified)) {
    const after = modified[key];
    if (opts.buildRetainKeys && after !== null) retained.push(key);
    if (!hasKey(original, key) || jsonType(original[key]) !== jsonType(after)) {
      if (!opts.ignoreChangesAndAdditions) setKey(patch, key, deepClone(after));
      continue;
    }
    const before = original[key];
    const child = fieldMeta(meta, key);
    if (isJsonObject(before) && isJsonObject(after)) {
      if (child?.strategy === 'replace') {
        if (!opts.ignoreChangesAndAdditions && !deepEqual(before, after)) setKey(patch, key, deepClone(after));
        continue;
      }
      const sub = diffMaps(before, after, child, { ...opts, buildRetainKeys: child?.retainKeys === true });
      if (!isEmpty(sub)) setKey(patch, key, sub);
    } else if (Array.isArray(before) && Array.isArray(after) && isMergeList(child)) {
      const { changes, deletions, order } = diffLists(before, after, child!, opts);
      if (changes.length > 0) setKey(patch, key, changes);
      if (deletions.length > 0) setKey(patch, `${DELETE_FROM_PRIMITIVE_LIST}/${key}`, deletions);
      if (order.length > 0) setKey(patch, `${SET_ELEMENT_ORDER}/${key}`, order);
    } else if (!opts.ignoreChangesAndAdditions && !deepEqual(before, after)) {
      setKey(patch, key, deepClone(after));
    }
  }
  if (!opts.ignoreDeletions) {
    for (const key of Object.keys(original)) if (!hasKey(modified, key)) setKey(patch, key, null);
  }
  const originalHasMore = Object.keys(original).some((k) => original[k] !== null && !hasKey(modified, k));
  if (retained.length > 0 && (!isEmpty(patch) || originalHasMore)) {
    setKey(patch, RETAIN_KEYS, retained.sort(compareStrings));
  }
  return patch;
}

interface ListDiff {
  /** Changed and added elements (objects: then `$patch: delete` elements). */
  changes: JsonValue[];
  /** Scalars to delete (`$deleteFromPrimitiveList`). */
  deletions: JsonValue[];
  /** `$setElementOrder` list, empty when not needed. */
  order: JsonValue[];
}

function diffLists(original: JsonValue[], modified: JsonValue[], meta: PatchMeta, opts: DiffOptions): ListDiff {
  const none: ListDiff = { changes: [], deletions: [], order: [] };
  if (original.length === 0) {
    if (modified.length === 0 || opts.ignoreChangesAndAdditions) return none;
    return { ...none, changes: deepClone(modified) };
  }
  const all = [...original, ...modified];
  if (all.some(Array.isArray)) throw unprocessablePatch('lists of lists are not supported');
  if (all.some(isJsonObject)) return diffListsOfObjects(original, modified, meta, opts);

  const { additions, deletions } = diffScalars(original, modified, opts);
  const changes = [...additions].sort((a, b) => indexIn(modified, a, undefined) - indexIn(modified, b, undefined));
  const needOrder =
    (!opts.ignoreDeletions && deletions.length > 0) || (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified));
  return { changes, deletions, order: needOrder ? deepClone(modified) : [] };
}

/** Walks both lists sorted by "%v", as Kubernetes does; deletions are de-duplicated. */
function diffScalars(original: JsonValue[], modified: JsonValue[], opts: DiffOptions) {
  const bySortKey = (a: JsonValue, b: JsonValue) => compareStrings(sortKey(a), sortKey(b));
  const o = [...original].sort(bySortKey);
  const m = [...modified].sort(bySortKey);
  const additions: JsonValue[] = [];
  const deletions: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < o.length || j < m.length) {
    const cmp = i >= o.length ? 1 : j >= m.length ? -1 : compareStrings(sortKey(o[i]), sortKey(m[j]));
    if (cmp === 0) {
      i++;
      j++;
    } else if (cmp < 0) {
      if (!opts.ignoreDeletions && indexIn(deletions, o[i], undefined) < 0) deletions.push(o[i]);
      i++;
    } else {
      if (!opts.ignoreChangesAndAdditions) additions.push(m[j]);
      j++;
    }
  }
  return { additions, deletions };
}

function mergeKeyOf(item: JsonValue, mergeKey: string): JsonValue {
  if (!isJsonObject(item) || !hasKey(item, mergeKey)) {
    throw errors.badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
  }
  return item[mergeKey];
}

function diffListsOfObjects(original: JsonValue[], modified: JsonValue[], meta: PatchMeta, opts: DiffOptions): ListDiff {
  const mergeKey = meta.mergeKey;
  if (!mergeKey) throw errors.badRequest('cannot merge lists of objects without a merge key');
  const itemMeta: PatchMeta | undefined = meta.fields ? { fields: meta.fields } : undefined;
  const itemOpts: DiffOptions = { ...opts, buildRetainKeys: meta.retainKeys === true };
  const byKey = (a: JsonValue, b: JsonValue) =>
    compareStrings(sortKey(mergeKeyOf(a, mergeKey)), sortKey(mergeKeyOf(b, mergeKey)));
  const o = [...original].sort(byKey);
  const m = [...modified].sort(byKey);

  const changes: JsonValue[] = [];
  const deletes: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < o.length || j < m.length) {
    const cmp =
      i >= o.length ? 1 : j >= m.length ? -1 : compareStrings(sortKey(mergeKeyOf(o[i], mergeKey)), sortKey(mergeKeyOf(m[j], mergeKey)));
    if (cmp === 0) {
      const sub = diffMaps(o[i] as JsonObject, m[j] as JsonObject, itemMeta, itemOpts);
      if (!isEmpty(sub)) {
        setKey(sub, mergeKey, mergeKeyOf(m[j], mergeKey));
        changes.push(sub);
      }
      i++;
      j++;
    } else if (cmp > 0) {
      if (!opts.ignoreChangesAndAdditions) changes.push(deepClone(m[j]));
      j++;
    } else {
      if (!opts.ignoreDeletions) deletes.push({ [mergeKey]: mergeKeyOf(o[i], mergeKey), [PATCH_DIRECTIVE]: 'delete' });
      i++;
    }
  }
  changes.sort((a, b) => indexIn(modified, a, mergeKey) - indexIn(modified, b, mergeKey));
  const orderSame =
    original.length === modified.length && original.every((x, k) => mergeKeyOf(x, mergeKey) === mergeKeyOf(modified[k], mergeKey));
  const all = [...changes, ...deletes];
  const needOrder =
    (!opts.ignoreChangesAndAdditions && (all.length > 0 || !orderSame)) || (!opts.ignoreDeletions && all.length > 0);
  const order = needOrder ? modified.map((x) => ({ [mergeKey]: mergeKeyOf(x, mergeKey) }) as JsonObject) : [];
  return { changes: all, deletions: [], order };
}

/**
 * Combines the deletions patch (owned, changed in place) with the delta
 * patch, keeping directives. Directive lists computed from the same modified
 * object agree, so either copy serves.
 */
function combinePatches(base: JsonObject, overlay: JsonObject, meta: PatchMeta | undefined): JsonObject {
  for (const key of Object.keys(overlay)) {
    const value = overlay[key];
    const existing = hasKey(base, key) ? base[key] : undefined;
    if (existing === undefined || key.startsWith('$')) {
      setKey(base, key, deepClone(value));
      continue;
    }
    const child = fieldMeta(meta, key);
    if (isJsonObject(existing) && isJsonObject(value) && child?.strategy !== 'replace') {
      setKey(base, key, combinePatches(existing, value, child));
    } else if (Array.isArray(existing) && Array.isArray(value) && isMergeList(child)) {
      setKey(base, key, combineLists(existing, value, child!, base[`${SET_ELEMENT_ORDER}/${key}`]));
    } else {
      setKey(base, key, deepClone(value));
    }
  }
  return base;
}

/**
 * Combines two patch lists of a merged list: elements with the same merge key
 * are combined; elements in the desired order come first, in that order, and
 * `$patch: delete` elements last.
 */
function combineLists(base: JsonValue[], overlay: JsonValue[], meta: PatchMeta, order: JsonValue | undefined): JsonValue[] {
  const mergeKey = meta.mergeKey;
  const merged = [...base];
  for (const item of overlay) {
    if (!mergeKey) {
      if (indexIn(merged, item, undefined) < 0) merged.push(item);
      continue;
    }
    const at = merged.findIndex(
      (x) => isJsonObject(x) && x[PATCH_DIRECTIVE] !== 'delete' && identity(x, mergeKey) === identity(item, mergeKey),
    );
    const itemMeta: PatchMeta | undefined = meta.fields ? { fields: meta.fields } : undefined;
    if (at >= 0) merged[at] = combinePatches(merged[at] as JsonObject, item as JsonObject, itemMeta);
    else merged.push(deepClone(item));
  }
  const desired = Array.isArray(order) ? order : overlay;
  const rank = (x: JsonValue) => {
    if (isJsonObject(x) && x[PATCH_DIRECTIVE] === 'delete') return Number.MAX_SAFE_INTEGER;
    const at = indexIn(desired, x, mergeKey);
    return at < 0 ? Number.MAX_SAFE_INTEGER - 1 : at;
  };
  return merged
    .map((x, i) => ({ x, i, r: rank(x) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((e) => e.x);
}
