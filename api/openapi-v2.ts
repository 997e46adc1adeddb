// The Swagger 2.0 (OpenAPI v2) document `/openapi/v2` serves: every kind's
// paths and every schema in one document. kubectl before 1.30 downloads it
// before `create -f` and `apply`: it builds its models from `definitions`
// (a kind's model is the one whose `x-kubernetes-group-version-kind` names it)
// and learns that the server validates fields itself from a `fieldValidation`
// query parameter on the kind's PATCH operation.

import * as Q from './openapi-query-params';
import { RESOURCES, resourcePath, type ResourceInfo } from './resources';
import { DEFINITIONS, definitionNameFor, type JsonSchema } from './schemas';
import { DEFINITIONS_PREFIX, META } from './schemas/builders';
import { describedSchema } from './openapi-descriptions';

export type VendorExtensions = { [name: `x-${string}`]: unknown };

export interface SwaggerParameter {
  name: string;
  in: 'query' | 'path' | 'body';
  description: string;
  required?: boolean;
  /** Query and path parameters: a primitive type. */
  type?: 'string' | 'integer' | 'boolean';
  uniqueItems?: boolean;
  /** Body parameters: the schema of the body. */
  schema?: JsonSchema;
}

export interface SwaggerResponse {
  description: string;
  schema?: JsonSchema;
}

export interface SwaggerOperation extends VendorExtensions {
  tags: string[];
  description: string;
  operationId: string;
  consumes: string[];
  produces: string[];
  schemes: string[];
  parameters?: SwaggerParameter[];
  responses: Record<string, SwaggerResponse>;
}

export const PATH_ITEM_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;
export type PathItemMethod = (typeof PATH_ITEM_METHODS)[number];

export type SwaggerPathItem = { [method in PathItemMethod]?: SwaggerOperation } & { parameters?: SwaggerParameter[] };

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, SwaggerPathItem>;
  definitions: Record<string, JsonSchema>;
}

// ---------------------------------------------------------------------------
// Schemas: draft-07 (as ajv reads it) → Swagger 2.0, as kubectl's model parser
// (kube-openapi `pkg/util/proto`) accepts it: one type per schema, nothing
// beside a `$ref` but its description, exactly one `items` schema per array.

/** The JSON Schema keywords Swagger 2.0 keeps; others (oneOf, not, …) are dropped. */
const SWAGGER_SCHEMA_KEYWORDS = new Set([
  '$ref', 'format', 'title', 'description', 'default', 'multipleOf', 'maximum', 'exclusiveMaximum',
  'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems',
  'uniqueItems', 'maxProperties', 'minProperties', 'required', 'enum', 'additionalProperties',
  'type', 'items', 'allOf', 'properties', 'discriminator', 'readOnly', 'example',
]);

export function toSwaggerSchema(schema: JsonSchema): JsonSchema {
  if (typeof schema.$ref === 'string') {
    const out: JsonSchema = { $ref: schema.$ref };
    if (typeof schema.description === 'string') out.description = schema.description;
    return out;
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!SWAGGER_SCHEMA_KEYWORDS.has(key) && !key.startsWith('x-')) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, s]) => [name, toSwaggerSchema(s)]),
      );
    } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
      out[key] = toSwaggerSchema(value as JsonSchema);
    } else if (key === 'allOf') {
      out.allOf = (value as JsonSchema[]).map(toSwaggerSchema);
    } else out[key] = value;
  }
  if (Array.isArray(out.type)) {
    const types = (out.type as string[]).filter((t) => t !== 'null');
    // Kubernetes publishes IntOrString and Quantity as strings; kubectl's
    // client-side validation lets any scalar through a string.
    out.type = types.length === 1 ? types[0] : 'string';
    if (types.length > 1 && out['x-kubernetes-int-or-string'] && out.format === undefined) out.format = 'int-or-string';
  }
  if (out.type === 'array' && out.items === undefined) out.items = {};
  return out;
}

const LIST_META: JsonSchema = {
  description: 'ListMeta describes metadata that synthetic resources must have, including lists.',
  type: 'object',
  properties: {
    resourceVersion: { type: 'string' },
    continue: { type: 'string' },
    remainingItemCount: { type: 'integer', format: 'int64' },
    selfLink: { type: 'string' },
  },
};

const PATCH: JsonSchema = {
  description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
  type: 'object',
};

function definitionRef(name: string): JsonSchema {
  return { $ref: DEFINITIONS_PREFIX + name };
}

function listSchema(r: ResourceInfo, itemName: string): JsonSchema {
  return {
    description: `${r.kind}List is a list of ${r.kind} objects.`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: definitionRef(`${META}ListMeta`),
      items: { type: 'array', items: definitionRef(itemName) },
    },
    'x-kubernetes-group-version-kind': [{ group: r.group, version: r.version, kind: `${r.kind}List` }],
  };
}

// ---------------------------------------------------------------------------
// Operations.

function queryParam({ name, description, type }: Q.QueryParamFact): SwaggerParameter {
  return { name, in: 'query', description, type, uniqueItems: true };
}

function pathParam(name: string, description: string): SwaggerParameter {
  return { name, in: 'path', description, required: true, type: 'string', uniqueItems: true };
}

function bodyParam(schemaName: string): SwaggerParameter {
  return { name: 'body', in: 'body', description: '', required: true, schema: definitionRef(schemaName) };
}

const DRY_RUN = queryParam(Q.DRY_RUN);
const FIELD_MANAGER = queryParam(Q.FIELD_MANAGER);
const FIELD_VALIDATION = queryParam(Q.FIELD_VALIDATION);
const FORCE = queryParam(Q.FORCE);
const PRETTY = queryParam(Q.PRETTY);
const LIST_PARAMS = Q.LIST_PARAMS.map(queryParam);
const NAMESPACE_PARAM = pathParam('namespace', 'object name and auth scope, such as for teams and projects');

const PRODUCES = ['application/json', 'application/yaml'];
// No strategic-merge-patch here, as in the v3 documents: kubectl uses its
// compiled-in patch metadata for built-in kinds.
const PATCH_CONSUMES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

function operationId(verb: string, r: ResourceInfo, suffix = ''): string {
  const groupWord = r.group === '' ? 'Core' : r.group.split('.')[0].replace(/^./, (c) => c.toUpperCase());
  const ver = r.version.replace(/^./, (c) => c.toUpperCase());
  return `${verb}${groupWord}${ver}${r.namespaced ? 'Namespaced' : ''}${r.kind}${suffix}`;
}

interface OperationSpec {
  action: string;
  verb: string;
  description: string;
  responseSchema: string;
  parameters?: SwaggerParameter[];
  consumes?: string[];
  suffix?: string;
}

function operation(r: ResourceInfo, spec: OperationSpec): SwaggerOperation {
  const op: SwaggerOperation = {
    tags: [r.group === '' ? `core_${r.version}` : `${r.group.replace(/\./g, '_')}_${r.version}`],
    description: spec.description,
    operationId: operationId(spec.verb, r, spec.suffix),
    consumes: spec.consumes ?? ['*/*'],
    produces: PRODUCES,
    schemes: ['https'],
    responses: {
      '200': { description: 'OK', schema: definitionRef(spec.responseSchema) },
      '401': { description: 'Unauthorized' },
    },
    'x-kubernetes-action': spec.action,
    'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
  };
  if (spec.parameters) op.parameters = spec.parameters;
  return op;
}

function pathTemplate(r: ResourceInfo, withName: boolean, subresource?: string): string {
  return decodeURIComponent(resourcePath(r, r.namespaced ? '{namespace}' : undefined, withName ? '{name}' : undefined, subresource));
}

function collectionPath(r: ResourceInfo, schemaName: string, listName: string): [string, SwaggerPathItem] {
  return [
    pathTemplate(r, false),
    {
      get: operation(r, { action: 'list', verb: 'list', description: `list or watch objects of kind ${r.kind}`, responseSchema: listName, parameters: LIST_PARAMS }),
      post: operation(r, {
        action: 'post',
        verb: 'create',
        description: `create a ${r.kind}`,
        responseSchema: schemaName,
        parameters: [bodyParam(schemaName), DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
      }),
      parameters: [...(r.namespaced ? [NAMESPACE_PARAM] : []), PRETTY],
    },
  ];
}

function itemPath(r: ResourceInfo, schemaName: string, subresource?: 'status'): [string, SwaggerPathItem] {
  const suffix = subresource === 'status' ? 'Status' : '';
  const what = subresource === 'status' ? `status of the specified ${r.kind}` : `the specified ${r.kind}`;
  const item: SwaggerPathItem = {
    get: operation(r, { action: 'get', verb: 'read', description: `read ${what}`, responseSchema: schemaName, suffix }),
    put: operation(r, {
      action: 'put',
      verb: 'replace',
      description: `replace ${what}`,
      responseSchema: schemaName,
      parameters: [bodyParam(schemaName), DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
      suffix,
    }),
    patch: operation(r, {
      action: 'patch',
      verb: 'patch',
      description: `partially update ${what}`,
      responseSchema: schemaName,
      parameters: [bodyParam(`${META}Patch`), DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
      consumes: PATCH_CONSUMES,
      suffix,
    }),
    parameters: [
      pathParam('name', `name of the ${r.kind}`),
      ...(r.namespaced ? [NAMESPACE_PARAM] : []),
      PRETTY,
    ],
  };
  if (!subresource) {
    item.delete = operation(r, { action: 'delete', verb: 'delete', description: `delete a ${r.kind}`, responseSchema: schemaName, parameters: [DRY_RUN] });
  }
  return [pathTemplate(r, true, subresource), item];
}

// ---------------------------------------------------------------------------
// The document.

function buildDocument(): SwaggerDocument {
  const paths: Record<string, SwaggerPathItem> = {};
  const added: Record<string, JsonSchema> = { [`${META}ListMeta`]: LIST_META, [`${META}Patch`]: PATCH };
  for (const r of RESOURCES) {
    const name = definitionNameFor(r.group, r.kind);
    if (!name) continue;
    const listName = `${name}List`;
    added[listName] = listSchema(r, name);
    const entries = [collectionPath(r, name, listName), itemPath(r, name)];
    if (r.subresources.includes('status')) entries.push(itemPath(r, name, 'status'));
    for (const [path, item] of entries) paths[path] = item;
  }
  // Our schemas win over the additions above if they ever define the same name.
  const all: Record<string, JsonSchema> = { ...added, ...DEFINITIONS };
  const definitions: Record<string, JsonSchema> = {};
  for (const name of Object.keys(all).sort()) definitions[name] = toSwaggerSchema(describedSchema(name, all[name]));
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.30.0' }, paths, definitions };
}

let document: SwaggerDocument | undefined;

/** The whole-cluster Swagger 2.0 document (built once; treat it as read-only). */
export function openapiV2Document(): SwaggerDocument {
  document ??= buildDocument();
  return document;
}
