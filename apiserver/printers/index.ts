// Server-side printing: the columns `kubectl get` shows, as a meta.k8s.io/v1
// Table. One printer per kind; kinds without one print NAME and AGE.
import type { KubeObject } from '../../api/types';
import { ageOf } from '../../api/human-duration';

export interface Column {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  priority: number;
}

export interface Printer {
  columns: Column[];
  /** Cells in column order (NAME first). */
  row(obj: KubeObject, now: Date): unknown[];
}

const printers = new Map<string, Printer>();

export function registerPrinter(kind: string, printer: Printer): void {
  printers.set(kind, printer);
}

export const nameColumn: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 };
export const ageColumn: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 };

/** Age of a timestamp as kubectl prints it (45s, 3m12s, 5h, 2d3h). */
export function humanAge(from: string | undefined, now: Date): string {
  return ageOf(from, now);
}

const defaultPrinter: Printer = {
  columns: [nameColumn, ageColumn],
  row: (obj, now) => [obj.metadata.name, humanAge(obj.metadata.creationTimestamp, now)],
};

export function printerFor(kind: string): Printer {
  return printers.get(kind) ?? defaultPrinter;
}

/** What each row carries, as the `includeObject` query asks: nothing, its metadata (the default), or the whole object. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** The `includeObject` query value; anything else is the default, Metadata. */
export function includeObjectOf(value: string | null | undefined): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function rowObject(o: KubeObject, include: IncludeObject): Record<string, unknown> | undefined {
  if (include === 'None') return undefined;
  // kubectl get --sort-by asks for whole objects: it sorts rows by a field of each.
  if (include === 'Object') return o as unknown as Record<string, unknown>;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** A Table of objects, each row carrying its object's metadata (or as `include` says). */
export function toTable(kind: string, objects: KubeObject[], listMeta: Record<string, unknown>, now = new Date(), include: IncludeObject = 'Metadata') {
  const p = printerFor(kind);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: p.columns,
    rows: objects.map((o) => ({
      cells: p.row(o, now),
      object: rowObject(o, include),
    })),
  };
}
