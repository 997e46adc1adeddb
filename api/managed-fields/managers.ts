// metadata.managedFields: who owns which fields. Entries are keyed, as in
// Kubernetes, by manager name + operation + subresource; each holds the
// FieldsV1 set its manager owns.
import { compareStrings } from '../patch/json-value';
import { FieldSet, fromFieldsV1, isEmpty, toFieldsV1 } from './field-set';

export type ManagedOperation = 'Apply' | 'Update';

/** metav1.ManagedFieldsEntry as it travels on the wire. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: ManagedOperation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** One manager's decoded entry; `entry` is the stored form, reused while the set is unchanged. */
export interface Manager {
  manager: string;
  operation: ManagedOperation;
  subresource: string;
  apiVersion: string;
  time?: string;
  set: FieldSet;
  entry?: ManagedFieldsEntry;
}

/**
 * A manager with a fresh set. Written out field by field: V8 builds
 * `{ ...identity, more }` through a slow generic path (microseconds per write).
 */
export function newManager(id: Pick<Manager, 'manager' | 'operation' | 'subresource'>, apiVersion: string, time: string | undefined, set: FieldSet): Manager {
  return { manager: id.manager, operation: id.operation, subresource: id.subresource, apiVersion, time, set, entry: undefined };
}

export function sameIdentity(a: Pick<Manager, 'manager' | 'operation' | 'subresource'>, b: Pick<Manager, 'manager' | 'operation' | 'subresource'>): boolean {
  return a.manager === b.manager && a.operation === b.operation && a.subresource === b.subresource;
}

/**
 * Decodes stored or client-sent entries. Entries without a manager, with an
 * unknown operation or unreadable fields are dropped (a client resets
 * ownership by sending `managedFields: [{}]`, as in Kubernetes).
 */
export function decodeManagers(entries: unknown): Manager[] {
  if (!Array.isArray(entries)) return [];
  const out: Manager[] = [];
  for (const e of entries as Partial<ManagedFieldsEntry>[]) {
    if (!e || typeof e !== 'object' || !e.manager || (e.operation !== 'Apply' && e.operation !== 'Update')) continue;
    let set: FieldSet;
    try {
      set = fromFieldsV1(e.fieldsV1 ?? {});
    } catch {
      continue;
    }
    const m: Manager = { manager: e.manager, operation: e.operation, subresource: e.subresource ?? '', apiVersion: e.apiVersion ?? '', time: e.time, set, entry: e as ManagedFieldsEntry };
    const dup = out.findIndex((o) => sameIdentity(o, m));
    if (dup >= 0) out[dup] = m;
    else out.push(m);
  }
  return out;
}

/** Entries sorted as Kubernetes sorts them: Apply before Update, then by time, manager, subresource. */
export function encodeManagers(managers: readonly Manager[]): ManagedFieldsEntry[] {
  const live = managers.filter((m) => !isEmpty(m.set));
  live.sort(
    (p, q) =>
      compareStrings(p.operation, q.operation) ||
      compareStrings(p.time ?? '', q.time ?? '') ||
      compareStrings(p.manager, q.manager) ||
      compareStrings(p.subresource, q.subresource),
  );
  return live.map((m) => {
    if (m.entry) return m.entry;
    // metav1.ManagedFieldsEntry's field order.
    const e: Partial<ManagedFieldsEntry> = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = toFieldsV1(m.set);
    if (m.subresource) e.subresource = m.subresource;
    return e as ManagedFieldsEntry;
  });
}

/** A copy of `m` with a new set (and time), to be re-encoded. */
export function withSet(m: Manager, set: FieldSet, time?: string): Manager {
  return newManager(m, m.apiVersion, time ?? m.time, set);
}
