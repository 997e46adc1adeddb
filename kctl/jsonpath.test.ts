import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileJsonPath } from './jsonpath';

const list = {
  kind: 'List',
  items: [
    { metadata: { name: 'a', labels: { 'app.kubernetes.io/name': 'web' } }, status: { conditions: [{ type: 'Ready', status: 'True' }], replicas: 2 } },
    { metadata: { name: 'b', labels: {} }, status: { conditions: [{ type: 'Ready', status: 'False' }], replicas: 5 } },
  ],
};

const run = (t: string, data: unknown = list) => compileJsonPath(t)(data);

test('fields, wildcards, indexes and slices', () => {
  assert.equal(run('{.items[*].metadata.name}'), 'a b');
  assert.equal(run('{.items[0].metadata.name}'), 'a');
  assert.equal(run('{.items[-1].metadata.name}'), 'b');
  assert.equal(run('{.items[0:1].metadata.name}'), 'a');
  assert.equal(run('.kind'), 'List');
  assert.equal(run('{.items[0].status}'), '{"conditions":[{"type":"Ready","status":"True"}],"replicas":2}');
});

test('quoted keys, escaped dots, recursive descent and filters', () => {
  assert.equal(run(`{.items[0].metadata.labels['app.kubernetes.io/name']}`), 'web');
  assert.equal(run('{.items[0].metadata.labels.app\\.kubernetes\\.io/name}'), 'web');
  assert.equal(run('{..name}'), 'a b');
  assert.equal(run('{.items[?(@.status.replicas>3)].metadata.name}'), 'b');
  assert.equal(run('{.items[*].status.conditions[?(@.type=="Ready")].status}'), 'True False');
});

test('range, literals and missing keys', () => {
  assert.equal(run('{range .items[*]}{.metadata.name}{"\\t"}{.status.replicas}{"\\n"}{end}'), 'a\t2\nb\t5\n');
  assert.equal(run('name={.metadata.name}', { metadata: { name: 'x' } }), 'name=x');
  assert.equal(run('{.spec.missing}', { metadata: {} }), '');
  assert.throws(() => run('{range .items[*]}{.x}'), /without \{end\}/);
});
