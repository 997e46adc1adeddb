// Server-side apply and field ownership, as structured-merge-diff's Updater:
// - an Update (create, PUT, PATCH) gives its manager every field it changed,
//   taking them from whoever owned them;
// - an Apply merges a partial object into the live one, makes its manager
//   own exactly the fields it set, removes fields it set before and no one
//   owns any more, and refuses to change a field another manager owns
//   unless forced (then ownership moves).
import { ApiError } from '../errors';
import { isJsonObject, JsonObject, setKey } from '../patch/json-value';
import { patchMetaForKind, PatchMeta } from '../patch/patch-meta';
import type { KubeObject } from '../types';
import { difference, FieldSet, formatPath, hasPath, intersection, isEmpty, memberPaths, union, unionAll, equalSets } from './field-set';
import { KUBECTL_MANAGER, lastAppliedFields, syncLastApplied } from './last-applied';
import { decodeManagers, encodeManagers, ManagedFieldsEntry, Manager, newManager, sameIdentity, withSet } from './managers';
import { mergeConfig, removeFields } from './merge';
import { fieldSetOf, modifiedFields } from './walk';

export interface WriteContext {
  /** Selects the list types (api/patch/patch-meta.ts). */
  kind: string;
  apiVersion: string;
  manager: string;
  /** 'status' for writes through the status subresource. */
  subresource?: string;
  /** The kind has a status subresource, so writes to the main resource own no status fields. */
  statusIsSubresource: boolean;
  /** RFC 3339 time recorded for the manager when it changes something. */
  now: string;
}

/** Metadata fields nobody owns (structured-merge-diff's stripped fields). */
const UNOWNED_META = new Set([
  'name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds',
]);

/** The part of an object a write through this endpoint may own. */
export function ownedView(obj: unknown, ctx: Pick<WriteContext, 'subresource' | 'statusIsSubresource'>): JsonObject {
  if (!isJsonObject(obj)) return {};
  if (ctx.subresource === 'status') return obj.status === undefined ? {} : { status: obj.status };
  const out: JsonObject = {};
  for (const k of Object.keys(obj)) {
    if (k === 'apiVersion' || k === 'kind' || (k === 'status' && ctx.statusIsSubresource)) continue;
    if (k !== 'metadata') {
      setKey(out, k, obj[k]);
      continue;
    }
    const meta = obj.metadata;
    if (!isJsonObject(meta)) continue;
    const kept: JsonObject = {};
    for (const mk of Object.keys(meta)) if (!UNOWNED_META.has(mk)) setKey(kept, mk, meta[mk]);
    if (Object.keys(kept).length) out.metadata = kept;
  }
  return out;
}

interface Changes {
  /** Added or modified fields. */
  changed: FieldSet;
  removed: FieldSet;
}

function changesBetween(before: JsonObject, after: JsonObject, meta: PatchMeta): Changes {
  const oldSet = fieldSetOf(before, meta);
  const newSet = fieldSetOf(after, meta);
  return {
    changed: union(difference(newSet, oldSet), modifiedFields(before, after, meta)),
    removed: difference(oldSet, newSet),
  };
}

/**
 * managedFields after a create (current undefined), update or patch by
 * `ctx.manager`. Entries the client sent replace the stored ones when not
 * empty, as Kubernetes allows (`[{}]` resets ownership).
 */
export function managedFieldsAfterUpdate(current: KubeObject | undefined, next: KubeObject, ctx: WriteContext): ManagedFieldsEntry[] {
  const sent = next.metadata.managedFields;
  const managers = decodeManagers(Array.isArray(sent) && sent.length ? sent : current?.metadata.managedFields);
  const meta = patchMetaForKind(ctx.kind);
  const after = ownedView(next, ctx);
  const { changed, removed } = current
    ? changesBetween(ownedView(current, ctx), after, meta)
    : { changed: fieldSetOf(after, meta), removed: {} as FieldSet };
  if (isEmpty(changed) && isEmpty(removed)) return encodeManagers(managers);
  const me = { manager: ctx.manager, operation: 'Update' as const, subresource: ctx.subresource ?? '' };
  let mine: Manager | undefined;
  const out: Manager[] = [];
  for (const m of managers) {
    if (sameIdentity(m, me)) {
      mine = m;
      continue;
    }
    const lost = intersection(m.set, changed);
    out.push(isEmpty(lost) ? m : withSet(m, difference(m.set, lost)));
  }
  const previous = mine?.set ?? {};
  out.push(newManager(me, ctx.apiVersion, ctx.now, union(difference(previous, removed), changed)));
  return encodeManagers(out);
}

export interface ApplyResult {
  object: KubeObject;
  managedFields: ManagedFieldsEntry[];
}

/** One field another manager owns and the apply would change. */
export interface FieldConflict {
  manager: Manager;
  path: string[];
}

/**
 * Applies `config` (a partial object; nulls are ignored) to `live` (undefined
 * to create). Throws a 409 with one cause per conflicting field unless `force`.
 */
export function applyConfiguration(live: KubeObject | undefined, config: KubeObject, ctx: WriteContext, force: boolean): ApplyResult {
  const meta = patchMetaForKind(ctx.kind);
  const cfg = withoutNulls(config) as KubeObject;
  const applied = fieldSetOf(ownedView(cfg, ctx), meta);
  const me = { manager: ctx.manager, operation: 'Apply' as const, subresource: ctx.subresource ?? '' };
  if (!live) {
    const object = cfg;
    const managedFields = encodeManagers([newManager(me, ctx.apiVersion, ctx.now, applied)]);
    return { object, managedFields };
  }
  const managers = decodeManagers(live.metadata.managedFields);
  const mine = managers.find((m) => sameIdentity(m, me));
  const others = managers.filter((m) => m !== mine);
  let merged = mergeConfig(live, cfg, meta) as KubeObject;
  if (mine) {
    // Fields this manager applied before and nobody (itself included) owns now go away.
    const owned = union(applied, unionAll(others.map((m) => m.set)));
    const stale = difference(mine.set, owned);
    if (!isEmpty(stale)) merged = removeFields(merged, stale, owned, meta) as KubeObject;
  }
  const { changed, removed } = changesBetween(ownedView(live, ctx), ownedView(merged, ctx), meta);
  const conflicts: FieldConflict[] = [];
  const next: Manager[] = [];
  for (const m of others) {
    const clash = intersection(m.set, changed);
    if (isEmpty(clash)) {
      next.push(m);
      continue;
    }
    for (const path of memberPaths(clash)) conflicts.push({ manager: m, path });
    next.push(withSet(m, difference(m.set, clash)));
  }
  if (conflicts.length && !force) {
    // kubectl moving from client-side apply: fields its last-applied annotation lists are its own.
    const ownedBefore = ctx.manager === KUBECTL_MANAGER ? lastAppliedFields(live, meta, (o) => ownedView(o, ctx)) : undefined;
    const remaining = ownedBefore ? conflicts.filter((c) => !hasPath(ownedBefore, c.path)) : conflicts;
    if (remaining.length) throw applyConflict(remaining);
  }
  const objectChanged = !isEmpty(changed) || !isEmpty(removed);
  if (mine && !objectChanged && equalSets(mine.set, applied)) next.push(mine);
  else next.push(newManager(me, ctx.apiVersion, ctx.now, applied));
  if (ctx.manager === KUBECTL_MANAGER) syncLastApplied(merged, cfg);
  return { object: merged, managedFields: encodeManagers(next) };
}

/** `"kubectl"`, or `"kube-controller-manager" using apps/v1` for Update entries, as Kubernetes names managers. */
export function describeManager(m: Pick<Manager, 'manager' | 'operation' | 'subresource' | 'apiVersion'>): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}

/** The 409 Kubernetes answers to a conflicting apply; kubectl prints the message and its advice. */
export function applyConflict(conflicts: readonly FieldConflict[]): ApiError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(c.manager)}`,
    field: formatPath(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0].manager)}: ${formatPath(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const who = describeManager(c.manager);
      byManager.set(who, [...(byManager.get(who) ?? []), formatPath(c.path)]);
    }
    const lines: string[] = [];
    for (const who of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${who}:`);
      for (const p of byManager.get(who)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError('Conflict', message, { causes });
}

function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v)) if (v[k] !== null && v[k] !== undefined) setKey(out, k, withoutNulls(v[k]) as JsonObject);
  return out;
}
