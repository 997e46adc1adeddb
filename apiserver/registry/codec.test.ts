// storedJson builds a client's JSON from stored bytes without decoding them: it
// must say exactly what decodeObject says, for any JSON a store could hold.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/types';
import { decodeObject, encodeObject, metadataBodyStart, storedJson } from './codec';

const SAMPLES: unknown[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns', uid: 'u' }, data: { k: 'v' } },
  // Metadata after other members, with strings holding quotes, escapes, brackets and braces.
  { data: { 'x\\"metadata': '{"metadata":{', y: '\\', z: ['[', { a: '}' }], n: -1.5e-7, t: true, f: null }, kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'b' } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: {} },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'é 日本 \u2028', labels: { 'a/b': 'c' }, ownerReferences: [{ uid: 'o', name: 'x' }] }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] } },
];

test('storedJson equals the decoded object with its resourceVersion, for every shape of stored JSON', () => {
  for (const sample of SAMPLES) {
    const stored = encodeObject(sample as KubeObject);
    assert.ok(metadataBodyStart(stored) > 0, `metadata found in ${stored}`);
    assert.deepEqual(JSON.parse(storedJson(stored, 42).toString()), decodeObject(stored, 42));
    assert.equal(JSON.parse(storedJson(stored, 42).toString()).metadata.resourceVersion, '42');
  }
});

test('storedJson falls back to decoding what it cannot splice: no metadata object, a stored resourceVersion', () => {
  const cases = [
    Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"7"}}'),
    Buffer.from('{"apiVersion":"v1","kind":"Event","metadata":{"name":"e"},"involvedObject":{"resourceVersion":"3"}}'),
    Buffer.from('{ "apiVersion": "v1", "metadata": {"name": "spaced"} }'),
  ];
  for (const stored of cases) {
    assert.deepEqual(JSON.parse(storedJson(stored, 9).toString()), decodeObject(stored, 9));
  }
  assert.equal(metadataBodyStart(Buffer.from('{"kind":"X","metadata":"not an object"}')), -1);
  assert.equal(metadataBodyStart(Buffer.from('{"kind":"X"}')), -1);
  assert.equal(metadataBodyStart(Buffer.from('{"kind":"unterminated')), -1);
});
