// How server-side apply sees a list, read off the strategic-merge table
// (api/patch/patch-meta.ts) as Kubernetes' OpenAPI marks it:
// merge-by-key lists are `x-kubernetes-list-type: map` with that key (or the
// table's mapKeys where Kubernetes' list-map-keys are more, as for ports), merged
// lists of scalars are `set`, every other list is `atomic` (owned and
// replaced whole).
import { errors } from '../errors';
import { fieldMeta, PatchMeta } from '../patch/patch-meta';
import { mapItemKey, setItemKey } from './field-set';

export type ListType = 'map' | 'set' | 'atomic';

export function listTypeOf(meta: PatchMeta | undefined): ListType {
  if (meta?.strategy !== 'merge') return 'atomic';
  return meta.mergeKey ? 'map' : 'set';
}

/** The metadata of a field of an object, or of each item's fields for a map-list. */
export const childMeta = fieldMeta;

/** The path element naming one item of a map or set list. */
export function itemKey(item: unknown, type: ListType, meta: PatchMeta | undefined, at: string): string {
  if (type === 'set') return setItemKey(item);
  const fields = item && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>) : {};
  const keys: Record<string, unknown> = {};
  for (const { name, default: fallback } of mapKeysOf(meta)) {
    const value = fields[name] ?? fallback;
    if (value === undefined || value === null || typeof value === 'object') {
      throw errors.badRequest(`${at}: associative list with keys has an element that omits key field "${name}"`);
    }
    keys[name] = value;
  }
  return mapItemKey(keys);
}

/** The key fields of a map list, in the order Kubernetes writes them in a key (by name). */
export function mapKeysOf(meta: PatchMeta | undefined): readonly { name: string; default?: string }[] {
  return meta?.mapKeys ?? [{ name: meta!.mergeKey! }];
}

/** Items of a map or set list by their path element; a duplicate key is an error, as in Kubernetes. */
export function indexItems(list: readonly unknown[], type: ListType, meta: PatchMeta | undefined, at: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const item of list) {
    const k = itemKey(item, type, meta, at);
    if (out.has(k)) {
      if (type === 'set') continue;
      throw errors.badRequest(`${at}: duplicate entries for key ${k.slice(2)}`);
    }
    out.set(k, item);
  }
  return out;
}
