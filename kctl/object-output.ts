// -o json, -o yaml and -o name: objects printed as kubectl prints them (keys
// sorted, JSON indented by four spaces, YAML with unindented sequences).
import YAML from 'yaml';
import type { KubeObject } from '../api/types';
import type { ResourceInfo } from '../api/resources';
import { typeName } from './discovery';

export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeysDeep((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

export function toJson(v: unknown): string {
  return JSON.stringify(sortKeysDeep(v), null, 4) + '\n';
}

export function toYaml(v: unknown): string {
  return YAML.stringify(sortKeysDeep(v), { indentSeq: false, lineWidth: 0, blockQuote: 'literal', aliasDuplicateObjects: false });
}

/** kubectl's `kind: List` wrapper for several objects. */
export function asList(items: KubeObject[]): Record<string, unknown> {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

export function nameOf(r: ResourceInfo, name: string | undefined): string {
  return `${typeName(r)}/${name ?? ''}`;
}
