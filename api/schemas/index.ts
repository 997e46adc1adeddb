// Every schema Kapstan validates against, by OpenAPI definition name
// (`io.k8s.api.core.v1.Pod`), and a walker that follows an object through them.

import { JsonSchema, DEFINITIONS_PREFIX, CORE, APPS, BATCH, COORDINATION, SCHEDULING } from './builders';
import { META_DEFINITIONS } from './meta';
import { POD_DEFINITIONS } from './pod';
import { NODE_DEFINITIONS } from './node';
import { SERVICE_DEFINITIONS } from './service';
import { CLUSTER_DEFINITIONS } from './cluster';
import { WORKLOAD_DEFINITIONS } from './workloads';
import { DISCOVERY, DISCOVERY_DEFINITIONS } from './discovery';
import { CONTROLLER_REVISION_DEFINITIONS } from './controller-revision';

export type { JsonSchema } from './builders';

export const DEFINITIONS: Readonly<Record<string, JsonSchema>> = {
  ...META_DEFINITIONS,
  ...POD_DEFINITIONS,
  ...NODE_DEFINITIONS,
  ...SERVICE_DEFINITIONS,
  ...CLUSTER_DEFINITIONS,
  ...WORKLOAD_DEFINITIONS,
  ...DISCOVERY_DEFINITIONS,
  ...CONTROLLER_REVISION_DEFINITIONS,
};

const GROUP_PREFIX: Record<string, string> = {
  '': CORE,
  apps: APPS,
  batch: BATCH,
  'coordination.k8s.io': COORDINATION,
  'scheduling.k8s.io': SCHEDULING,
  'discovery.k8s.io': DISCOVERY,
};

/** The definition name of a kind, e.g. ('apps', 'Deployment') → `io.k8s.api.apps.v1.Deployment`. */
export function definitionNameFor(group: string, kind: string): string | undefined {
  const known = definitionNames.get(group)?.get(kind);
  if (known !== undefined) return known;
  const prefix = GROUP_PREFIX[group];
  if (prefix === undefined || !(prefix + kind in DEFINITIONS)) return undefined;
  let byKind = definitionNames.get(group);
  if (byKind === undefined) definitionNames.set(group, (byKind = new Map()));
  byKind.set(kind, prefix + kind);
  return prefix + kind;
}

/** group → kind → definition name, asked on every validation (only names that exist: a bounded set). */
const definitionNames = new Map<string, Map<string, string | undefined>>();

/** Follows `$ref`s to the schema they name. */
export function resolveSchema(schema: JsonSchema | undefined): JsonSchema | undefined {
  let s = schema;
  for (let i = 0; s && typeof s.$ref === 'string' && i < 32; i++) {
    s = DEFINITIONS[(s.$ref as string).slice(DEFINITIONS_PREFIX.length)];
  }
  return s;
}

export type StepKind = 'property' | 'mapKey' | 'index' | 'unknown';

/**
 * One step down from a schema: into a struct property, a map value or an array
 * item. `unknown` means the schema says nothing about that child.
 */
export function childSchema(
  schema: JsonSchema | undefined,
  segment: string | number,
): { schema: JsonSchema | undefined; step: StepKind } {
  const s = resolveSchema(schema);
  if (!s) return { schema: undefined, step: typeof segment === 'number' ? 'index' : 'unknown' };
  if (typeof segment === 'number' || s.type === 'array') {
    return { schema: s.items as JsonSchema | undefined, step: 'index' };
  }
  const props = s.properties as Record<string, JsonSchema> | undefined;
  if (props && Object.prototype.hasOwnProperty.call(props, segment)) return { schema: props[segment], step: 'property' };
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    return { schema: s.additionalProperties as JsonSchema, step: 'mapKey' };
  }
  return { schema: undefined, step: props ? 'unknown' : 'mapKey' };
}

/** Kubernetes field path for a list of segments: `spec.containers[0].image`, `metadata.labels[app]`. */
export function fieldPath(root: JsonSchema | undefined, segments: ReadonlyArray<string | number>): string {
  let path = '';
  let schema = root;
  for (const seg of segments) {
    const { schema: next, step } = childSchema(schema, seg);
    if (step === 'index') path += `[${seg}]`;
    else if (step === 'mapKey') path += `[${seg}]`;
    else path += path === '' ? `${seg}` : `.${seg}`;
    schema = next;
  }
  return path;
}
