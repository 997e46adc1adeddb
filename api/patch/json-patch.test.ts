import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../errors';
import { applyJsonPatch } from './json-patch';
import { formatJsonPointer, parseJsonPointer } from './json-pointer';

function rejects(code: 'BadRequest' | 'Invalid', fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isApiError(err, code), `expected ${code}, got ${String(err)}`);
    if (message) assert.match((err as Error).message, message);
    return true;
  });
}

test('JSON pointers unescape ~1 before ~0 and reject stray ~', () => {
  assert.deepEqual(parseJsonPointer(''), []);
  assert.deepEqual(parseJsonPointer('/'), ['']);
  assert.deepEqual(parseJsonPointer('/a~1b/m~0n/~01'), ['a/b', 'm~n', '~1']);
  assert.equal(parseJsonPointer('a/b'), undefined);
  assert.equal(parseJsonPointer('/a~2'), undefined);
  assert.equal(formatJsonPointer(['a/b', 'm~n']), '/a~1b/m~0n');
});

test('add: object member, array insert, "-" append, whole document', () => {
  const doc = { metadata: { labels: { a: '1' } }, list: [1, 3] };
  const result = applyJsonPatch(doc, [
    { op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'web' },
    { op: 'add', path: '/list/1', value: 2 },
    { op: 'add', path: '/list/-', value: 4 },
    { op: 'add', path: '/list/0', value: 0 },
    { op: 'add', path: '/metadata/annotations', value: { 'x~y': 'z' } },
  ]);
  assert.deepEqual(result, {
    metadata: { labels: { a: '1', 'app.kubernetes.io/name': 'web' }, annotations: { 'x~y': 'z' } },
    list: [0, 1, 2, 3, 4],
  });
  assert.deepEqual(applyJsonPatch(doc, [{ op: 'add', path: '', value: { replaced: true } }]), { replaced: true });
  assert.deepEqual(applyJsonPatch({ 'a~b': 1 }, [{ op: 'replace', path: '/a~0b', value: 2 }]), { 'a~b': 2 });
});

test('remove and replace require the target to exist', () => {
  const doc = { spec: { replicas: 1, list: ['a', 'b', 'c'] } };
  assert.deepEqual(
    applyJsonPatch(doc, [
      { op: 'remove', path: '/spec/list/1' },
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'replace', path: '/spec/list/0', value: 'z' },
    ]),
    { spec: { replicas: 3, list: ['z', 'c'] } },
  );
  rejects('Invalid', () => applyJsonPatch(doc, [{ op: 'remove', path: '/spec/missing' }]), /missing path: \/spec\/missing/);
  rejects('Invalid', () => applyJsonPatch(doc, [{ op: 'replace', path: '/spec/missing', value: 1 }]));
  rejects('Invalid', () => applyJsonPatch(doc, [{ op: 'remove', path: '/spec/list/3' }]));
  rejects('Invalid', () => applyJsonPatch(doc, [{ op: 'remove', path: '/spec/list/-' }]));
  rejects('Invalid', () => applyJsonPatch(doc, [{ op: 'add', path: '/spec/list/4', value: 'x' }]), /out of bounds/);
  rejects('Invalid', () => applyJsonPatch(doc, [{ op: 'add', path: '/spec/list/01', value: 'x' }]));
  rejects('Invalid', () => applyJsonPatch(doc, [{ op: 'add', path: '/nope/deeper', value: 1 }]));
  rejects('Invalid', () => applyJsonPatch(doc, [{ op: 'add', path: '/spec/replicas/x', value: 1 }]));
});

test('move and copy', () => {
  const doc = { a: { b: 1, c: [1, 2] }, d: [] as number[] };
  assert.deepEqual(applyJsonPatch(doc, [{ op: 'move', from: '/a/b', path: '/e' }]), { a: { c: [1, 2] }, d: [], e: 1 });
  assert.deepEqual(applyJsonPatch(doc, [{ op: 'move', from: '/a/c/0', path: '/a/c/-' }]), { a: { b: 1, c: [2, 1] }, d: [] });
  assert.deepEqual(applyJsonPatch(doc, [{ op: 'move', from: '/a', path: '/a' }]), doc);
  const copied = applyJsonPatch(doc, [{ op: 'copy', from: '/a/c', path: '/d' }]) as any;
  assert.deepEqual(copied, { a: { b: 1, c: [1, 2] }, d: [1, 2] });
  copied.d.push(3);
  assert.deepEqual(copied.a.c, [1, 2], 'copy is deep');
  rejects('Invalid', () => applyJsonPatch(doc, [{ op: 'move', from: '/a', path: '/a/inner' }]), /own child/);
  rejects('Invalid', () => applyJsonPatch(doc, [{ op: 'copy', from: '/zzz', path: '/d' }]));
  rejects('Invalid', () => applyJsonPatch(doc, [{ op: 'move', path: '/d' }]), /from/);
});

test('test: JSON equality passes, a mismatch is 422 Invalid as Kubernetes answers', () => {
  const doc = { spec: { replicas: 2, selector: { matchLabels: { app: 'web', tier: 'fe' } } } };
  const ok = applyJsonPatch(doc, [
    { op: 'test', path: '/spec/selector', value: { matchLabels: { tier: 'fe', app: 'web' } } },
    { op: 'test', path: '/spec/replicas', value: 2 },
    { op: 'replace', path: '/spec/replicas', value: 5 },
  ]);
  assert.deepEqual((ok as any).spec.replicas, 5);
  rejects('Invalid', () => applyJsonPatch(doc, [{ op: 'test', path: '/spec/replicas', value: '2' }]), /testing value \/spec\/replicas failed/);
  rejects('Invalid', () => applyJsonPatch(doc, [{ op: 'test', path: '/spec/replicas' }]), /missing value/);
});

test('a failing operation leaves the document untouched (all or nothing)', () => {
  const doc = { n: 1, list: [1] };
  rejects('Invalid', () =>
    applyJsonPatch(doc, [
      { op: 'replace', path: '/n', value: 2 },
      { op: 'add', path: '/list/-', value: 2 },
      { op: 'test', path: '/n', value: 1 },
    ]),
  );
  assert.deepEqual(doc, { n: 1, list: [1] });
});

test('the added value is copied, not aliased', () => {
  const value = { deep: { x: 1 } };
  const result = applyJsonPatch({}, [{ op: 'add', path: '/v', value }]) as any;
  result.v.deep.x = 2;
  assert.equal(value.deep.x, 1);
});

test('malformed patches: not a list or not objects is 400, bad operations are 422', () => {
  rejects('BadRequest', () => applyJsonPatch({}, { op: 'add' }));
  rejects('BadRequest', () => applyJsonPatch({}, ['add']));
  rejects('Invalid', () => applyJsonPatch({}, [{ op: 'frobnicate', path: '/a' }]), /frobnicate/);
  rejects('Invalid', () => applyJsonPatch({}, [{ op: 'add', value: 1 }]), /path/);
  rejects('Invalid', () => applyJsonPatch({}, [{ op: 'add', path: 'a', value: 1 }]), /invalid JSON pointer/);
  rejects('Invalid', () => applyJsonPatch({}, [{ op: 'remove', path: '' }]));
});
