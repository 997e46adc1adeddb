// set image's argument split and the per-container patch it sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imagePatch, splitResourcesAndImages } from './set-image';

test('resources come before NAME=IMAGE pairs; * stands alone', () => {
  assert.deepEqual(splitResourcesAndImages(['deploy/web', 'pod/x', 'main=busybox:2']), { resources: ['deploy/web', 'pod/x'], images: new Map([['main', 'busybox:2']]) });
  assert.throws(() => splitResourcesAndImages(['main=busybox:2', 'deploy/web']), /all resources must be specified before image changes/);
  assert.throws(() => splitResourcesAndImages(['deploy/web']), /at least one image update is required/);
  assert.throws(() => splitResourcesAndImages(['deploy/web', '*=a', 'main=b']), /all containers are already specified by \*/);
});

test('only containers whose image changes are patched; * covers init containers too; missing names are reported', () => {
  const spec = { initContainers: [{ name: 'init', image: 'a' }], containers: [{ name: 'main', image: 'a' }, { name: 'side', image: 'b' }] };
  assert.deepEqual(imagePatch(spec, new Map([['*', 'b']])), { patch: { initContainers: [{ name: 'init', image: 'b' }], containers: [{ name: 'main', image: 'b' }] }, missing: [] });
  assert.deepEqual(imagePatch(spec, new Map([['side', 'b']])), { patch: undefined, missing: [] });
  assert.deepEqual(imagePatch(spec, new Map([['main', 'c'], ['gone', 'c']])), { patch: { containers: [{ name: 'main', image: 'c' }] }, missing: ['gone'] });
});
