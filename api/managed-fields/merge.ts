// Applying a configuration onto a live object, and removing fields from an
// object, both guided by the same list types as the field sets.
import type { PatchMeta } from '../patch/patch-meta';
import { deepClone, isJsonObject, JsonObject, JsonValue, setKey } from '../patch/json-value';
import { childOf, FieldSet, fieldKey, hasDescendants } from './field-set';
import { childMeta, indexItems, itemKey, listTypeOf, mapKeysOf } from './list-types';

/**
 * The live object with the configuration merged in: objects merge field by
 * field, map lists item by key (new items appended in the configuration's
 * order), sets by value; scalars and atomic lists take the configured value.
 */
export function mergeConfig(live: unknown, config: unknown, meta: PatchMeta | undefined, at = ''): JsonValue {
  if (isJsonObject(live) && isJsonObject(config)) {
    const out: JsonObject = { ...live };
    for (const k of Object.keys(config)) {
      const c = config[k];
      if (c === undefined) continue;
      setKey(out, k, k in live ? mergeConfig(live[k], c, childMeta(meta, k), `${at}.${k}`) : deepClone(c));
    }
    return out;
  }
  if (Array.isArray(live) && Array.isArray(config)) {
    const type = listTypeOf(meta);
    if (type === 'atomic') return deepClone(config);
    const wanted = indexItems(config, type, meta, at);
    const out: JsonValue[] = [];
    const seen = new Set<string>();
    for (const item of live) {
      let k: string;
      try {
        k = itemKey(item, type, meta, at);
      } catch {
        out.push(item as JsonValue);
        continue;
      }
      seen.add(k);
      out.push(wanted.has(k) && type === 'map' ? mergeConfig(item, wanted.get(k), meta, `${at}[${k}]`) : (item as JsonValue));
    }
    for (const [k, item] of wanted) if (!seen.has(k)) out.push(deepClone(item));
    return out;
  }
  return deepClone(config);
}

/**
 * The object without the members of `remove`. A member that still has
 * fields owned in `keep` stays (only its other fields go), and objects or
 * lists left empty by a removal go too, as structured-merge-diff prunes.
 */
export function removeFields(value: unknown, remove: FieldSet, keep: FieldSet | undefined, meta: PatchMeta | undefined): JsonValue | undefined {
  if (!remove.children) return value as JsonValue;
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    let removedSome = false;
    for (const k of Object.keys(value)) {
      const key = fieldKey(k);
      const r = remove.children.get(key);
      if (!r) {
        setKey(out, k, value[k]);
        continue;
      }
      const next = removeOne(value[k], r, childOf(keep, key), childMeta(meta, k));
      if (next === undefined) removedSome = true;
      else setKey(out, k, next);
    }
    return removedSome && Object.keys(out).length === 0 ? undefined : out;
  }
  if (Array.isArray(value)) {
    const type = listTypeOf(meta);
    if (type === 'atomic') return value as JsonValue[];
    const out: JsonValue[] = [];
    for (const item of value) {
      let key: string | undefined;
      try {
        key = itemKey(item, type, meta, '');
      } catch {
        key = undefined;
      }
      const r = key === undefined ? undefined : remove.children.get(key);
      if (!r) {
        out.push(item as JsonValue);
        continue;
      }
      const next = removeOne(item, r, childOf(keep, key!), meta);
      if (next === undefined) continue;
      // An item that stays keeps its key, whoever owned the key field.
      if (type === 'map' && isJsonObject(next) && isJsonObject(item)) {
        for (const { name } of mapKeysOf(meta)) if (item[name] !== undefined) setKey(next, name, item[name]);
      }
      out.push(next);
    }
    return value.length > 0 && out.length === 0 ? undefined : out;
  }
  return value as JsonValue;
}

function removeOne(value: unknown, remove: FieldSet, keep: FieldSet | undefined, meta: PatchMeta | undefined): JsonValue | undefined {
  // Another manager still owns something inside: keep the node, prune inside it.
  if (remove.self && !hasDescendants(keep)) return undefined;
  return removeFields(value, remove, keep, meta);
}
