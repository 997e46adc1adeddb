// The field set an object holds, and what changed between two objects, with
// structured-merge-diff's rules: scalars, nulls, empty objects and atomic
// lists are members; objects with fields are not (only their fields are);
// every item of a map or set list is a member, and so are its fields.
import type { PatchMeta } from '../patch/patch-meta';
import { deepEqual, isJsonObject } from '../patch/json-value';
import { EMPTY, FieldSet, fieldKey, isEmpty } from './field-set';
import { childMeta, indexItems, listTypeOf } from './list-types';

/** The set of every field `value` sets. */
export function fieldSetOf(value: unknown, meta: PatchMeta | undefined): FieldSet {
  // The root is never a member of its own set.
  const set = walk(value, meta, false, '');
  return set.children ? { children: set.children } : EMPTY;
}

function walk(value: unknown, meta: PatchMeta | undefined, self: boolean, at: string): FieldSet {
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return { self: true };
    const children = new Map<string, FieldSet>();
    for (const k of keys) {
      if (value[k] === undefined) continue;
      children.set(fieldKey(k), walk(value[k], childMeta(meta, k), false, `${at}.${k}`));
    }
    return self ? { self: true, children } : { children };
  }
  if (Array.isArray(value)) {
    const type = listTypeOf(meta);
    if (type === 'atomic' || value.length === 0) return { self: true };
    const children = new Map<string, FieldSet>();
    for (const [k, item] of indexItems(value, type, meta, at)) {
      children.set(k, type === 'set' ? { self: true } : walk(item, meta, true, `${at}[${k}]`));
    }
    return self ? { self: true, children } : { children };
  }
  return { self: true };
}

/** Leaves present in both objects whose values differ (structured-merge-diff's "modified"). */
export function modifiedFields(before: unknown, after: unknown, meta: PatchMeta | undefined): FieldSet {
  return modified(before, after, meta, '');
}

function modified(a: unknown, b: unknown, meta: PatchMeta | undefined, at: string): FieldSet {
  if (isJsonObject(a) && isJsonObject(b)) {
    if (Object.keys(a).length === 0 || Object.keys(b).length === 0) {
      return Object.keys(a).length === Object.keys(b).length ? EMPTY : { self: true };
    }
    let children: Map<string, FieldSet> | undefined;
    for (const k of Object.keys(b)) {
      if (!Object.prototype.hasOwnProperty.call(a, k) || a[k] === b[k]) continue;
      const sub = modified(a[k], b[k], childMeta(meta, k), `${at}.${k}`);
      if (!isEmpty(sub)) (children ??= new Map()).set(fieldKey(k), sub);
    }
    return children ? { children } : EMPTY;
  }
  if (Array.isArray(a) && Array.isArray(b) && listTypeOf(meta) === 'map' && a.length && b.length) {
    const before = indexItems(a, 'map', meta, at);
    let children: Map<string, FieldSet> | undefined;
    for (const [k, item] of indexItems(b, 'map', meta, at)) {
      if (!before.has(k)) continue;
      const sub = modified(before.get(k), item, meta, `${at}[${k}]`);
      if (!isEmpty(sub)) (children ??= new Map()).set(k, sub);
    }
    return children ? { children } : EMPTY;
  }
  if (Array.isArray(a) && Array.isArray(b) && listTypeOf(meta) === 'set' && a.length && b.length) return EMPTY;
  return deepEqual(a, b) ? EMPTY : { self: true };
}
