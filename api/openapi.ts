// OpenAPI v3 documents built from our schemas: `/openapi/v3` (the index of
// group-versions) and one document per group-version. kubectl reads them to
// learn that the server validates fields itself: per kind, a PATCH operation on
// the item path carrying `x-kubernetes-group-version-kind` and a
// `fieldValidation` query parameter.

import * as Q from './openapi-query-params';
import { createHash } from 'node:crypto';
import { RESOURCES, groupVersion, resourcePath, type ResourceInfo } from './resources';
import { DEFINITIONS, definitionNameFor, type JsonSchema } from './schemas';
import { DEFINITIONS_PREFIX, META } from './schemas/builders';
import { describedSchema } from './openapi-descriptions';

const COMPONENTS_PREFIX = '#/components/schemas/';

export interface OpenApiIndex {
  paths: Record<string, { serverRelativeURL: string }>;
}

type Doc = Record<string, unknown>;

/** `api/v1` for the core group, `apis/<group>/<version>` otherwise: the index's keys. */
export function openapiPathFor(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
}

function groupVersionsServed(): Map<string, ResourceInfo[]> {
  const out = new Map<string, ResourceInfo[]>();
  for (const r of RESOURCES) {
    const key = openapiPathFor(r);
    const list = out.get(key) ?? [];
    list.push(r);
    out.set(key, list);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Schema conversion: draft-07 (as ajv reads it) → OpenAPI 3.0 components.

function toOpenApiSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toOpenApiSchema);
  if (value === null || typeof value !== 'object') return value;
  const s = value as JsonSchema;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace(DEFINITIONS_PREFIX, COMPONENTS_PREFIX);
    else if (k === 'properties' || k === 'definitions') {
      out[k] = Object.fromEntries(Object.entries(v as JsonSchema).map(([p, ps]) => [p, toOpenApiSchema(ps)]));
    } else out[k] = toOpenApiSchema(v);
  }
  // OpenAPI 3.0 ignores siblings of a $ref: a described reference is wrapped
  // in allOf, as Kubernetes publishes fields of a named type.
  if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { allOf: [{ $ref }], ...rest };
  }
  // OpenAPI 3.0 has no type arrays: say it the way Kubernetes publishes these types.
  if (Array.isArray(out.type)) {
    const types = (out.type as string[]).filter((t) => t !== 'null');
    delete out.type;
    if (types.length === 1) out.type = types[0];
    else if (out['x-kubernetes-int-or-string']) out.anyOf = types.map((t) => ({ type: t }));
    else out.oneOf = types.map((t) => ({ type: t }));
  }
  return out;
}

function referencedNames(schema: unknown, into: Set<string>): void {
  if (Array.isArray(schema)) {
    for (const s of schema) referencedNames(s, into);
    return;
  }
  if (schema === null || typeof schema !== 'object') return;
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith(DEFINITIONS_PREFIX)) {
      const name = v.slice(DEFINITIONS_PREFIX.length);
      if (!into.has(name)) {
        into.add(name);
        referencedNames(DEFINITIONS[name], into);
      }
    } else referencedNames(v, into);
  }
}

const LIST_META: JsonSchema = {
  type: 'object',
  properties: {
    resourceVersion: { type: 'string' },
    continue: { type: 'string' },
    remainingItemCount: { type: 'integer', format: 'int64' },
    selfLink: { type: 'string' },
  },
};

function listSchema(r: ResourceInfo, itemName: string): JsonSchema {
  return {
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: `${COMPONENTS_PREFIX}${META}ListMeta` },
      items: { type: 'array', items: { $ref: COMPONENTS_PREFIX + itemName } },
    },
    'x-kubernetes-group-version-kind': [{ group: r.group, version: r.version, kind: `${r.kind}List` }],
  };
}

// ---------------------------------------------------------------------------
// Operations.

function queryParam({ name, description, type }: Q.QueryParamFact): Doc {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const DRY_RUN = queryParam(Q.DRY_RUN);
const FIELD_MANAGER = queryParam(Q.FIELD_MANAGER);
const FIELD_VALIDATION = queryParam(Q.FIELD_VALIDATION);
const FORCE = queryParam(Q.FORCE);
const PRETTY = queryParam(Q.PRETTY);
const LIST_PARAMS = Q.LIST_PARAMS.map(queryParam);

function pathParam(name: string, description: string): Doc {
  return { name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } };
}

function jsonContent(schemaName: string): Doc {
  const schema = { $ref: COMPONENTS_PREFIX + schemaName };
  return { 'application/json': { schema }, 'application/yaml': { schema } };
}

function operationId(verb: string, r: ResourceInfo, suffix = ''): string {
  const groupWord = r.group === '' ? 'Core' : r.group.split('.')[0].replace(/^./, (c) => c.toUpperCase());
  const ver = r.version.replace(/^./, (c) => c.toUpperCase());
  return `${verb}${groupWord}${ver}${r.namespaced ? 'Namespaced' : ''}${r.kind}${suffix}`;
}

function operation(r: ResourceInfo, action: string, verb: string, responseSchema: string, extra: Doc = {}, suffix = ''): Doc {
  return {
    tags: [openapiPathFor(r).replace(/[/.]/g, '_')],
    operationId: operationId(verb, r, suffix),
    responses: { '200': { description: 'OK', content: jsonContent(responseSchema) }, '401': { description: 'Unauthorized' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
    ...extra,
  };
}

function patchBody(): Doc {
  const schema = { $ref: `${COMPONENTS_PREFIX}${META}Patch` };
  // No strategic-merge-patch here: kubectl uses its compiled-in patch metadata for built-in kinds.
  return {
    content: {
      'application/json-patch+json': { schema },
      'application/merge-patch+json': { schema },
      'application/apply-patch+yaml': { schema },
    },
    required: true,
  };
}

function writeBody(schemaName: string): Doc {
  return { content: { '*/*': { schema: { $ref: COMPONENTS_PREFIX + schemaName } } }, required: true };
}

function itemPaths(r: ResourceInfo, schemaName: string, subresource?: 'status'): Record<string, Doc> {
  const template = resourcePath(r, r.namespaced ? '{namespace}' : undefined, '{name}', subresource)
    .replace(encodeURIComponent('{namespace}'), '{namespace}')
    .replace(encodeURIComponent('{name}'), '{name}');
  const suffix = subresource === 'status' ? 'Status' : '';
  const params: Doc[] = [pathParam('name', `name of the ${r.kind}`)];
  if (r.namespaced) params.push(pathParam('namespace', 'object name and auth scope, such as for teams and projects'));
  params.push(PRETTY);
  const item: Doc = {
    parameters: params,
    get: operation(r, 'get', 'read', schemaName, {}, suffix),
    put: operation(r, 'put', 'replace', schemaName, { parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], requestBody: writeBody(schemaName) }, suffix),
    patch: operation(r, 'patch', 'patch', schemaName, { parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE], requestBody: patchBody() }, suffix),
  };
  if (!subresource) item.delete = operation(r, 'delete', 'delete', schemaName, { parameters: [DRY_RUN] });
  return { [template]: item };
}

function collectionPaths(r: ResourceInfo, schemaName: string, listName: string): Record<string, Doc> {
  const template = resourcePath(r, r.namespaced ? '{namespace}' : undefined).replace(encodeURIComponent('{namespace}'), '{namespace}');
  const params: Doc[] = [];
  if (r.namespaced) params.push(pathParam('namespace', 'object name and auth scope, such as for teams and projects'));
  params.push(PRETTY);
  return {
    [template]: {
      parameters: params,
      get: operation(r, 'list', 'list', listName, { parameters: LIST_PARAMS }),
      post: operation(r, 'post', 'create', schemaName, { parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], requestBody: writeBody(schemaName) }),
    },
  };
}

// ---------------------------------------------------------------------------
// Documents.

function buildDocument(resources: ResourceInfo[]): Doc {
  const paths: Record<string, Doc> = {};
  const names = new Set<string>();
  const lists: Record<string, JsonSchema> = {};
  for (const r of resources) {
    const name = definitionNameFor(r.group, r.kind);
    if (!name) continue;
    names.add(name);
    referencedNames(DEFINITIONS[name], names);
    const listName = `${name}List`;
    lists[listName] = listSchema(r, name);
    Object.assign(paths, collectionPaths(r, name, listName), itemPaths(r, name));
    if (r.subresources.includes('status')) Object.assign(paths, itemPaths(r, name, 'status'));
  }
  const schemas: Record<string, unknown> = {};
  for (const n of [...names].sort()) schemas[n] = toOpenApiSchema(describedSchema(n, DEFINITIONS[n]));
  Object.assign(schemas, lists);
  schemas[`${META}ListMeta`] = LIST_META;
  schemas[`${META}Patch`] = { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' };
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.30.0' },
    paths,
    components: { schemas },
  };
}

const documents = new Map<string, { doc: Doc; hash: string }>();

function documentEntry(path: string): { doc: Doc; hash: string } | undefined {
  let entry = documents.get(path);
  if (!entry) {
    const resources = groupVersionsServed().get(path);
    if (!resources) return undefined;
    const doc = buildDocument(resources);
    const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
    entry = { doc, hash };
    documents.set(path, entry);
  }
  return entry;
}

/** The `/openapi/v3` index: each group-version's document URL, with a content hash kubectl caches by. */
export function openapiV3Index(): OpenApiIndex {
  const paths: OpenApiIndex['paths'] = {};
  for (const path of groupVersionsServed().keys()) {
    const entry = documentEntry(path)!;
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${entry.hash}` };
  }
  return { paths };
}

/** The document for `api/v1` or `apis/<group>/<version>`; undefined for a group-version not served. */
export function openapiV3Document(path: string): Doc | undefined {
  return documentEntry(path.replace(/^\/+/, '').replace(/\?.*$/, ''))?.doc;
}

/** Group-version strings (`v1`, `apps/v1`, …) that have a document. */
export function openapiGroupVersions(): string[] {
  return [...new Set(RESOURCES.map((r) => groupVersion(r)))];
}
