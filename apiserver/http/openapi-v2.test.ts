import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import YAML from 'yaml';
import { openapiV2Document } from '../../api/openapi-v2';
import { RESOURCES, resourcePath } from '../../api/resources';
import type { JsonSchema } from '../../api/schemas';
import { OPENAPI_V2_PROTOBUF, openapiV2Protobuf, prefersProtobuf, serveOpenApiV2 } from './openapi-v2';

// A protobuf reader just big enough to check the bytes: field number → values
// (varints as bigint, fixed64 and length-delimited fields as bytes).
type Fields = Map<number, Array<bigint | Buffer>>;

function decode(buf: Buffer): Fields {
  const out: Fields = new Map();
  let i = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      assert.ok(i < buf.length, 'varint runs past the end');
      const b = buf[i++];
      value |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return value;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const field = key >> 3;
    let value: bigint | Buffer;
    switch (key & 7) {
      case 0:
        value = varint();
        break;
      case 1:
        value = buf.subarray(i, i + 8);
        i += 8;
        break;
      case 2: {
        const len = Number(varint());
        value = buf.subarray(i, i + len);
        i += len;
        break;
      }
      default:
        throw new Error(`unexpected wire type ${key & 7} for field ${field}`);
    }
    assert.ok(i <= buf.length, `field ${field} runs past the end`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const strings = (f: Fields, n: number): string[] => (f.get(n) ?? []).map((b) => (b as Buffer).toString('utf8'));
const string = (f: Fields, n: number): string | undefined => strings(f, n)[0];
const messages = (f: Fields, n: number): Fields[] => (f.get(n) ?? []).map((b) => decode(b as Buffer));
const message = (f: Fields, n: number): Fields | undefined => messages(f, n)[0];
const bool = (f: Fields, n: number): boolean | undefined => (f.has(n) ? f.get(n)![0] === 1n : undefined);
/** NamedX messages (name 1, value 2) as entries. */
const named = (f: Fields | undefined, n: number): Array<[string, Fields]> =>
  f ? messages(f, n).map((m) => [string(m, 1)!, message(m, 2) ?? new Map()]) : [];
/** vendor_extension entries: name → the YAML in openapi.v2.Any (field 2), parsed. */
const extensions = (f: Fields, n: number): Record<string, unknown> =>
  Object.fromEntries(named(f, n).map(([name, any]) => [name, YAML.parse(string(any, 2)!)]));

/** openapi.v2.Schema back to JSON. */
function schemaJson(f: Fields): JsonSchema {
  const out: JsonSchema = {};
  const strs: Array<[number, string]> = [[1, '$ref'], [2, 'format'], [3, 'title'], [4, 'description'], [13, 'pattern']];
  for (const [n, key] of strs) if (f.has(n)) out[key] = string(f, n);
  for (const [n, key] of [[7, 'maximum'], [9, 'minimum']] as const) if (f.has(n)) out[key] = (f.get(n)![0] as Buffer).readDoubleLE();
  for (const [n, key] of [[11, 'maxLength'], [14, 'maxItems'], [15, 'minItems']] as const) if (f.has(n)) out[key] = Number(f.get(n)![0]);
  if (f.has(16)) out.uniqueItems = bool(f, 16);
  if (f.has(19)) out.required = strings(f, 19);
  if (f.has(20)) out.enum = messages(f, 20).map((any) => YAML.parse(string(any, 2)!));
  const additional = message(f, 21);
  if (additional) out.additionalProperties = additional.has(2) ? bool(additional, 2) : schemaJson(message(additional, 1)!);
  const type = message(f, 22);
  if (type) out.type = strings(type, 1).length === 1 ? string(type, 1) : strings(type, 1);
  const items = message(f, 23);
  if (items) {
    assert.equal(messages(items, 1).length, 1, 'kubectl wants exactly one items schema');
    out.items = schemaJson(message(items, 1)!);
  }
  const properties = message(f, 25);
  if (properties) out.properties = Object.fromEntries(named(properties, 1).map(([name, s]) => [name, schemaJson(s)]));
  Object.assign(out, extensions(f, 31));
  return out;
}

/** What proto3 keeps of a JSON schema: no zero numbers, false flags or empty strings. */
function withoutProto3Defaults(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutProto3Defaults);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const isVendorValue = k.startsWith('x-');
    if (!isVendorValue && (v === 0 || v === false || v === '')) continue;
    out[k] = isVendorValue || k === 'enum' ? v : withoutProto3Defaults(v);
  }
  return out;
}

const document = decode(openapiV2Protobuf());
const paths = named(message(document, 8), 2);
const definitions = named(message(document, 9), 1);

/** A query or path parameter (ParametersItem → Parameter → NonBodyParameter) as {in, name, type}. */
function nonBodyParameter(item: Fields): { in?: string; name?: string; type?: string } | undefined {
  const nonBody = message(message(item, 1)!, 2);
  if (!nonBody) return undefined;
  const query = message(nonBody, 3);
  if (query) return { in: string(query, 2), name: string(query, 4), type: string(query, 6) };
  const path = message(nonBody, 4)!;
  assert.equal(bool(path, 1), true, 'path parameters are required');
  return { in: string(path, 2), name: string(path, 4), type: string(path, 5) };
}

test('the document is Swagger 2.0 with every path and definition of the JSON form', () => {
  const json = openapiV2Document();
  assert.equal(string(document, 1), '2.0');
  assert.equal(string(message(document, 2)!, 1), 'Kubernetes');
  assert.deepEqual(paths.map(([name]) => name), Object.keys(json.paths));
  assert.deepEqual(definitions.map(([name]) => name), Object.keys(json.definitions));
});

test('each kind: the first PATCH carrying its GVK has a fieldValidation query parameter (what kubectl 1.27 looks for)', () => {
  for (const r of RESOURCES) {
    // Mirrors kubectl's QueryParamVerifier over the v2 document.
    const patches = paths
      .map(([path, item]) => ({ path, patch: message(item, 8) }))
      .filter((p) => p.patch && YAML.stringify(extensions(p.patch, 13)['x-kubernetes-group-version-kind']) === YAML.stringify({ group: r.group, version: r.version, kind: r.kind }));
    assert.ok(patches.length > 0, `${r.kind}: a PATCH with its GVK`);
    assert.equal(patches[0].path, decodeURIComponent(resourcePath(r, r.namespaced ? '{namespace}' : undefined, '{name}')));
    const params = messages(patches[0].patch!, 8).map(nonBodyParameter);
    assert.deepEqual(params.find((p) => p?.name === 'fieldValidation'), { in: 'query', name: 'fieldValidation', type: 'string' });
    assert.equal(extensions(patches[0].patch!, 13)['x-kubernetes-action'], 'patch');
  }
});

test('operations carry their body, path parameters and responses', () => {
  const item = new Map(paths).get('/apis/apps/v1/namespaces/{namespace}/deployments/{name}')!;
  assert.deepEqual(messages(item, 9).map(nonBodyParameter).map((p) => [p?.in, p?.name, p?.type]), [
    ['path', 'name', 'string'],
    ['path', 'namespace', 'string'],
    ['query', 'pretty', 'string'],
  ]);
  const patch = message(item, 8)!;
  assert.equal(string(patch, 5), 'patchAppsV1NamespacedDeployment');
  assert.ok(!strings(patch, 7).includes('application/strategic-merge-patch+json'));
  const body = message(message(messages(patch, 8)[0], 1)!, 1)!;
  assert.deepEqual([string(body, 2), string(body, 3), bool(body, 4)], ['body', 'body', true]);
  assert.equal(string(message(body, 5)!, 1), '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
  const ok = new Map(named(message(patch, 9), 1)).get('200')!;
  const okSchema = message(message(message(ok, 1)!, 2)!, 1)!;
  assert.equal(string(okSchema, 1), '#/definitions/io.k8s.api.apps.v1.Deployment');
  const get = message(item, 2)!;
  assert.deepEqual(extensions(get, 13), {
    'x-kubernetes-action': 'get',
    'x-kubernetes-group-version-kind': { group: 'apps', version: 'v1', kind: 'Deployment' },
  });
  const cluster = new Map(paths).get('/api/v1/nodes/{name}')!;
  assert.ok(!messages(cluster, 9).map(nonBodyParameter).some((p) => p?.name === 'namespace'), 'no namespace for cluster-scoped kinds');
});

test('definitions decode back to the JSON schemas, in the shape kubectl parses', () => {
  const json = openapiV2Document().definitions;
  const names = new Set(definitions.map(([name]) => name));
  const visit = (s: JsonSchema, where: string): void => {
    if (typeof s.$ref === 'string') {
      assert.ok(names.has(s.$ref.replace('#/definitions/', '')), `${where}: ${s.$ref} is defined`);
      assert.ok(!('type' in s) && !('properties' in s), `${where}: nothing but a description beside $ref`);
    }
    assert.ok(!Array.isArray(s.type), `${where}: one type`);
    for (const [p, child] of Object.entries((s.properties as Record<string, JsonSchema>) ?? {})) visit(child, `${where}.${p}`);
    if (s.items) visit(s.items as JsonSchema, `${where}[]`);
    if (typeof s.additionalProperties === 'object') visit(s.additionalProperties as JsonSchema, `${where}{}`);
  };
  for (const [name, fields] of definitions) {
    const decoded = schemaJson(fields);
    assert.deepEqual(decoded, withoutProto3Defaults(json[name]), name);
    visit(decoded, name);
  }
  const byName = new Map(definitions.map(([n, f]) => [n, schemaJson(f)]));
  for (const r of RESOURCES) {
    const prefix = r.group === '' ? 'io.k8s.api.core.v1.' : `io.k8s.api.${r.group.split('.')[0]}.${r.version}.`;
    assert.deepEqual(byName.get(prefix + r.kind)?.['x-kubernetes-group-version-kind'], [{ group: r.group, version: r.version, kind: r.kind }]);
    assert.deepEqual(byName.get(`${prefix}${r.kind}List`)?.['x-kubernetes-group-version-kind'], [{ group: r.group, version: r.version, kind: `${r.kind}List` }]);
  }
  assert.deepEqual(byName.get('io.k8s.apimachinery.pkg.util.intstr.IntOrString'), {
    type: 'string',
    format: 'int-or-string',
    'x-kubernetes-int-or-string': true,
  });
  const containers = (byName.get('io.k8s.api.core.v1.PodSpec')!.properties as Record<string, JsonSchema>).containers;
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
  // An object with properties stays a struct for kubectl; a map keeps its value schema.
  const configMap = byName.get('io.k8s.api.core.v1.ConfigMap')!;
  const { description, ...data } = (configMap.properties as Record<string, JsonSchema>).data;
  assert.deepEqual(data, { type: 'object', additionalProperties: { type: 'string' } });
  assert.match(String(description), /by key/, 'fields carry their descriptions for kubectl explain');
});

test('Accept decides between protobuf and JSON', () => {
  assert.equal(prefersProtobuf('application/com.github.proto-openapi.spec.v2@v1.0+protobuf'), true);
  assert.equal(prefersProtobuf('application/com.github.proto-openapi.spec.v2.v1.0+protobuf'), true);
  assert.equal(prefersProtobuf(undefined), false);
  assert.equal(prefersProtobuf('application/json'), false);
  assert.equal(prefersProtobuf('*/*'), false);
  assert.equal(prefersProtobuf('application/json, application/com.github.proto-openapi.spec.v2.v1.0+protobuf'), false);
  assert.equal(prefersProtobuf('application/json;q=0.5, application/com.github.proto-openapi.spec.v2.v1.0+protobuf'), true);
  assert.equal(prefersProtobuf('application/com.github.proto-openapi.spec.v2.v1.0+protobuf;q=0'), false);
});

test('GET answers protobuf with a content type Go can parse, or JSON', async () => {
  const server = http.createServer((req, res) => serveOpenApiV2(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi/v2`;
    const pb = await fetch(url, { headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
    assert.equal(pb.status, 200);
    assert.equal(pb.headers.get('content-type'), OPENAPI_V2_PROTOBUF);
    assert.ok(!OPENAPI_V2_PROTOBUF.includes('@'), "'@' is not a MIME token character");
    assert.ok(Buffer.from(await pb.arrayBuffer()).equals(openapiV2Protobuf()));

    const json = await fetch(url, { headers: { Accept: 'application/json' } });
    assert.equal(json.headers.get('content-type'), 'application/json');
    const doc = (await json.json()) as { swagger: string; definitions: Record<string, unknown> };
    assert.equal(doc.swagger, '2.0');
    assert.ok(doc.definitions['io.k8s.api.core.v1.Pod']);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
