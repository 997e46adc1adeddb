// Ordering of merged lists after a strategic merge, as Kubernetes does it:
// elements named by the patch (or by $setElementOrder) keep the patch's
// order, elements only the server has keep the server's order, and the two
// are interleaved using the server's order wherever both sides know an item.

import { isJsonObject, JsonValue } from './json-value';

/** What identifies a list element: its merge key value, or the scalar itself. */
export function identity(item: JsonValue, mergeKey: string | undefined): JsonValue | undefined {
  if (!mergeKey) return item;
  return isJsonObject(item) ? item[mergeKey] : undefined;
}

export function indexIn(list: readonly JsonValue[], item: JsonValue, mergeKey: string | undefined): number {
  const id = identity(item, mergeKey);
  return list.findIndex((x) => identity(x, mergeKey) === id);
}

/** Stable sort of `items` by position in `order`; items `order` lacks go last. */
function sortByOrder(items: JsonValue[], order: readonly JsonValue[], mergeKey: string | undefined): JsonValue[] {
  const keyed = items.map((item, i) => {
    const at = indexIn(order, item, mergeKey);
    return { item, rank: at < 0 ? Number.MAX_SAFE_INTEGER : at, i };
  });
  keyed.sort((a, b) => a.rank - b.rank || a.i - b.i);
  return keyed.map((k) => k.item);
}

/**
 * Puts a merged list in order. `patchOrder` is the order the patch asks for
 * (its list or its $setElementOrder), `serverOrder` the list before patching.
 */
export function orderMergedList(
  merged: JsonValue[],
  patchOrder: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: string | undefined,
): JsonValue[] {
  const fromPatch: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const item of merged) (indexIn(patchOrder, item, mergeKey) >= 0 ? fromPatch : serverOnly).push(item);
  const right = sortByOrder(fromPatch, patchOrder, mergeKey);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);

  // Insert each server-only item before the first patch item it preceded on the server.
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}
