// Small constructors for JSON Schema (draft-07, as ajv compiles it) so the
// Kubernetes types read almost like their Go definitions. References point at
// `#/definitions/<name>`; openapi.ts rewrites them to `#/components/schemas/`.

export type JsonSchema = { [key: string]: unknown };

export const DEFINITIONS_PREFIX = '#/definitions/';

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
export const CORE = 'io.k8s.api.core.v1.';
export const APPS = 'io.k8s.api.apps.v1.';
export const BATCH = 'io.k8s.api.batch.v1.';
export const COORDINATION = 'io.k8s.api.coordination.v1.';
export const SCHEDULING = 'io.k8s.api.scheduling.v1.';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const TIME = `${META}Time`;
export const MICRO_TIME = `${META}MicroTime`;

/** Vendor keywords our schemas carry (ajv must be told of them). */
export const VENDOR_KEYWORDS = [
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-group-version-kind',
  'x-kubernetes-int-or-string',
  'x-kubernetes-map-type',
];

export function ref(name: string): JsonSchema {
  return { $ref: DEFINITIONS_PREFIX + name };
}

export function str(extra: JsonSchema = {}): JsonSchema {
  return { type: 'string', ...extra };
}

/** Go `int32`. */
export function int32(extra: JsonSchema = {}): JsonSchema {
  return { type: 'integer', format: 'int32', ...extra };
}

/** Go `int64`. */
export function int64(extra: JsonSchema = {}): JsonSchema {
  return { type: 'integer', format: 'int64', ...extra };
}

export function bool(): JsonSchema {
  return { type: 'boolean' };
}

/** Base64 bytes (Go `[]byte`). */
export function bytes(): JsonSchema {
  return { type: 'string', format: 'byte' };
}

export function oneOfStrings(...values: string[]): JsonSchema {
  return { type: 'string', enum: values };
}

export function arr(items: JsonSchema, extra: JsonSchema = {}): JsonSchema {
  return { type: 'array', items, ...extra };
}

/** A list merged by key in strategic merge patch and server-side apply. */
export function listMap(items: JsonSchema, key: string, extraKeys: string[] = []): JsonSchema {
  return {
    type: 'array',
    items,
    'x-kubernetes-patch-merge-key': key,
    'x-kubernetes-patch-strategy': 'merge',
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': [key, ...extraKeys],
  };
}

/** A list of scalars merged as a set. */
export function listSet(items: JsonSchema): JsonSchema {
  return { type: 'array', items, 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' };
}

/** Go `map[string]T`: any key, typed values. */
export function mapOf(values: JsonSchema): JsonSchema {
  return { type: 'object', additionalProperties: values };
}

export function strMap(): JsonSchema {
  return mapOf(str());
}

export function quantityMap(): JsonSchema {
  return mapOf(ref(QUANTITY));
}

/** A struct: known properties only (unknown ones are reported apart, by unknownFields). */
export function obj(properties: Record<string, JsonSchema>, required: string[] = [], description?: string): JsonSchema {
  const s: JsonSchema = { type: 'object', properties };
  if (required.length > 0) s.required = required;
  if (description) s.description = description;
  return s;
}

/** A top-level kind: apiVersion, kind, metadata, plus its own fields. */
export function kind(
  group: string,
  version: string,
  kindName: string,
  properties: Record<string, JsonSchema>,
  required: string[] = [],
  description?: string,
): JsonSchema {
  const s = obj(
    { apiVersion: str(), kind: str(), metadata: ref(`${META}ObjectMeta`), ...properties },
    required,
    description,
  );
  s['x-kubernetes-group-version-kind'] = [{ group, version, kind: kindName }];
  return s;
}

export function localObjectReference(): JsonSchema {
  return obj({ name: str() });
}
