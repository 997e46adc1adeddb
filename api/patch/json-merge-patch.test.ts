import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch, createMergePatch, createThreeWayMergePatch } from './json-merge-patch';

test('RFC 7386 appendix A examples', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, expected] of cases) {
    assert.deepEqual(applyMergePatch(target, patch), expected, `${JSON.stringify(target)} + ${JSON.stringify(patch)}`);
  }
});

test('applyMergePatch leaves its inputs alone and shares nothing with them', () => {
  const target = { spec: { replicas: 1, template: { labels: { app: 'web' } } }, list: [1, 2] };
  const patch = { spec: { replicas: 2, extra: { deep: true } } };
  const targetCopy = structuredClone(target);
  const patchCopy = structuredClone(patch);
  const result = applyMergePatch(target, patch) as any;
  assert.deepEqual(target, targetCopy);
  assert.deepEqual(patch, patchCopy);
  result.spec.template.labels.app = 'changed';
  result.spec.extra.deep = false;
  result.list.push(3);
  assert.equal(target.spec.template.labels.app, 'web');
  assert.equal(patch.spec.extra.deep, true);
  assert.deepEqual(target.list, [1, 2]);
});

test('a "__proto__" key in a patch is data, not a prototype change', () => {
  const patch = JSON.parse('{"metadata":{"__proto__":{"polluted":true}}}');
  const result = applyMergePatch({ metadata: {} }, patch) as any;
  assert.equal(({} as any).polluted, undefined);
  assert.equal(Object.getPrototypeOf(result.metadata), Object.prototype);
  assert.deepEqual(Object.keys(result.metadata), ['__proto__']);
});

test('createMergePatch: changes, additions, deletions as null, lists whole', () => {
  const original = { a: 1, b: { c: 2, d: 3 }, list: [1, 2], gone: 'x', same: { k: 'v' } };
  const modified = { a: 2, b: { c: 2, e: 4 }, list: [1, 2, 3], same: { k: 'v' }, added: [] };
  const patch = createMergePatch(original, modified);
  assert.deepEqual(patch, { a: 2, b: { d: null, e: 4 }, list: [1, 2, 3], gone: null, added: [] });
  assert.deepEqual(applyMergePatch(original, patch), modified);
  assert.deepEqual(createMergePatch(modified, modified), {});
});

test('createThreeWayMergePatch: adds from live, deletes what the last apply had, keeps others\' fields', () => {
  const lastApplied = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', labels: { a: '1', b: '2' } }, spec: { size: 1, color: 'red', parts: ['x'] } };
  const manifest = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', labels: { a: '1' } }, spec: { size: 2, parts: ['x', 'y'], volume: { emptyDir: {} } } };
  const live = {
    ...structuredClone(lastApplied),
    metadata: { name: 'w', uid: 'u-1', resourceVersion: '7', labels: { a: '1', b: '2', byController: 'yes' } },
    status: { ready: true },
  };
  const patch = createThreeWayMergePatch(lastApplied, manifest, live);
  assert.deepEqual(patch, {
    metadata: { labels: { b: null } },
    spec: { size: 2, color: null, parts: ['x', 'y'], volume: { emptyDir: {} } },
  });
  assert.deepEqual(applyMergePatch(live, patch), {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', uid: 'u-1', resourceVersion: '7', labels: { a: '1', byController: 'yes' } },
    spec: { size: 2, parts: ['x', 'y'], volume: { emptyDir: {} } },
    status: { ready: true },
  });
});

test('createThreeWayMergePatch: a field changed live but not in the manifest is restored; unchanged gives {}', () => {
  const manifest = { spec: { size: 1 } };
  const live = { spec: { size: 5 }, status: { ok: true } };
  assert.deepEqual(createThreeWayMergePatch(manifest, manifest, live), { spec: { size: 1 } });
  assert.deepEqual(createThreeWayMergePatch(manifest, manifest, { spec: { size: 1 }, status: {} }), {});
  // No last-applied configuration (first apply over an object created otherwise): nothing is deleted.
  assert.deepEqual(createThreeWayMergePatch(undefined, manifest, { spec: { size: 1, other: 2 } }), {});
});
