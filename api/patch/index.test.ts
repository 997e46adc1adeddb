import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../errors';
import { applyPatch, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from './index';

function rejects(code: 'BadRequest' | 'Invalid' | 'UnsupportedMediaType', fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isApiError(err, code), `expected ${code}, got ${String(err)}`);
    return true;
  });
}

const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] } };

test('dispatches on the media type; the same body means different things', () => {
  const body = { spec: { containers: [{ name: 'b', image: '2' }] } };
  assert.deepEqual((applyPatch(pod, body, STRATEGIC_MERGE_PATCH, 'Pod') as any).spec.containers, [{ name: 'a', image: '1' }, { name: 'b', image: '2' }]);
  assert.deepEqual((applyPatch(pod, body, MERGE_PATCH, 'Pod') as any).spec.containers, [{ name: 'b', image: '2' }]);
  assert.deepEqual(
    (applyPatch(pod, [{ op: 'replace', path: '/spec/containers/0/image', value: '3' }], JSON_PATCH, 'Pod') as any).spec.containers[0],
    { name: 'a', image: '3' },
  );
});

test('accepts raw bodies (string or bytes) and media type parameters', () => {
  const r = applyPatch(pod, Buffer.from('{"metadata":{"labels":{"x":"y"}}}'), 'Application/Merge-Patch+JSON; charset=utf-8', 'Pod');
  assert.deepEqual((r as any).metadata, { name: 'p', labels: { x: 'y' } });
  const s = applyPatch(pod, '[{"op":"add","path":"/metadata/labels","value":{}}]', JSON_PATCH, 'Pod');
  assert.deepEqual((s as any).metadata.labels, {});
  assert.deepEqual(pod.metadata, { name: 'p' });
});

test('unknown media types are 415; server-side apply is not handled here', () => {
  rejects('UnsupportedMediaType', () => applyPatch(pod, {}, 'application/json', 'Pod'));
  rejects('UnsupportedMediaType', () => applyPatch(pod, {}, 'application/apply-patch+yaml', 'Pod'));
  rejects('UnsupportedMediaType', () => applyPatch(pod, {}, '', 'Pod'));
});

test('malformed bodies are 400; a JSON patch that leaves no object is 422', () => {
  rejects('BadRequest', () => applyPatch(pod, '{"metadata":', MERGE_PATCH, 'Pod'));
  rejects('BadRequest', () => applyPatch(pod, '[1]', MERGE_PATCH, 'Pod'));
  rejects('BadRequest', () => applyPatch(pod, 'null', STRATEGIC_MERGE_PATCH, 'Pod'));
  rejects('BadRequest', () => applyPatch(pod, '{"op":"add"}', JSON_PATCH, 'Pod'));
  rejects('Invalid', () => applyPatch(pod, [{ op: 'replace', path: '', value: 5 }], JSON_PATCH, 'Pod'));
});
