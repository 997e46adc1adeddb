// Pieces several printers share: column definitions for workload templates,
// selector formatting and typed access into plain JSON objects.
import type { KubeObject } from '../../api/types';
import { labelSelectorToSelector, selectorToString, LabelSelector } from '../../api/labels';
import type { Column } from './index';

export type Json = Record<string, any>;

export function spec(obj: KubeObject): Json {
  return (obj.spec ?? {}) as Json;
}

export function status(obj: KubeObject): Json {
  return (obj.status ?? {}) as Json;
}

export function column(name: string, type: Column['type'], description: string, priority = 0): Column {
  return { name, type, description, priority };
}

/** CONTAINERS, IMAGES, SELECTOR: the wide columns of every workload kind. */
export const templateColumns: Column[] = [
  column('Containers', 'string', 'Names of each container in the template.', 1),
  column('Images', 'string', 'Images referenced by each container in the template.', 1),
  column('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1),
];

/** Cells for templateColumns from a pod template spec and a label selector. */
export function templateCells(podSpec: Json | undefined, selector: LabelSelector | undefined): string[] {
  const containers: Json[] = podSpec?.containers ?? [];
  return [
    containers.map((c) => c.name).join(','),
    containers.map((c) => c.image).join(','),
    formatLabelSelector(selector),
  ];
}

/** metav1.FormatLabelSelector: `app=web,tier in (a,b)`, or `<none>`. */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  if (!selector) return '<none>';
  try {
    const sel = labelSelectorToSelector(selector);
    const s = sel ? selectorToString(sel) : '';
    return s === '' ? '<none>' : s;
  } catch {
    return '<error>';
  }
}

/** labels.FormatLabels: `a=1,b=2` with sorted keys, or `<none>`. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels![k]}`).join(',');
}

export function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function hasCondition(conditions: Json[] | undefined, type: string): boolean {
  return (conditions ?? []).some((c) => c.type === type && c.status === 'True');
}
