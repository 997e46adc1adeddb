import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openapiV3Index, openapiV3Document, openapiPathFor } from './openapi';
import { RESOURCES, resourcePath } from './resources';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('the index lists one document per served group-version, with a stable hash', () => {
  const index = openapiV3Index();
  assert.deepEqual(Object.keys(index.paths).sort(), [
    'api/v1',
    'apis/apps/v1',
    'apis/batch/v1',
    'apis/coordination.k8s.io/v1',
    'apis/discovery.k8s.io/v1',
    'apis/scheduling.k8s.io/v1',
  ]);
  for (const [path, { serverRelativeURL }] of Object.entries(index.paths)) {
    assert.match(serverRelativeURL, new RegExp(`^/openapi/v3/${path.replace(/\./g, '\\.')}\\?hash=[0-9A-F]{128}$`));
  }
  assert.deepEqual(openapiV3Index(), index);
  const hashes = Object.values(index.paths).map((p) => p.serverRelativeURL.split('hash=')[1]);
  assert.equal(new Set(hashes).size, hashes.length, 'each document has its own hash');
});

test('every kind has a PATCH on its item path with its GVK and a fieldValidation parameter', () => {
  for (const r of RESOURCES) {
    const doc = openapiV3Document(openapiPathFor(r)) as Any;
    assert.ok(doc, `${r.kind} document`);
    const itemPath = decodeURIComponent(resourcePath(r, r.namespaced ? '{namespace}' : undefined, '{name}'));
    const patch = doc.paths[itemPath]?.patch;
    assert.ok(patch, `${r.kind}: PATCH ${itemPath}`);
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: r.group, version: r.version, kind: r.kind });
    assert.ok(patch.parameters.some((p: Any) => p.name === 'fieldValidation' && p.in === 'query'), `${r.kind} fieldValidation`);
    assert.ok(!('application/strategic-merge-patch+json' in patch.requestBody.content), 'strategic merge patch is not advertised');
    const schemaName = `io.k8s.api.${r.group === '' ? 'core' : r.group.split('.')[0]}.${r.version}.${r.kind}`;
    assert.ok(doc.components.schemas[schemaName], `${schemaName} in components`);
  }
});

test('documents are self-contained OpenAPI 3.0', () => {
  for (const path of Object.keys(openapiV3Index().paths)) {
    const doc = openapiV3Document(path) as Any;
    assert.equal(doc.openapi, '3.0.0');
    const text = JSON.stringify(doc);
    assert.ok(!text.includes('#/definitions/'), 'refs point into components');
    for (const m of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      assert.ok(doc.components.schemas[m[1]], `${path}: ${m[1]} is defined`);
    }
    assert.ok(!/"type":\[/.test(text), 'no JSON Schema type arrays in OpenAPI 3.0');
  }
  const core = openapiV3Document('api/v1') as Any;
  assert.deepEqual(core.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].anyOf, [{ type: 'integer' }, { type: 'string' }]);
  assert.equal(core.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].type, 'string');
  assert.ok(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/status'].patch);
  assert.ok(core.paths['/api/v1/nodes/{name}'].patch, 'cluster-scoped kinds have no namespace in the path');
});

test('unknown group-versions have no document', () => {
  assert.equal(openapiV3Document('apis/example.com/v1'), undefined);
  assert.ok(openapiV3Document('/apis/apps/v1?hash=ABC'), 'a leading slash and query are tolerated');
});
