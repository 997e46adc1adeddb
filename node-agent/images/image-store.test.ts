import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isApiError } from '../../api/errors';
import { ImageRecord, ImageStore } from './image-store';

const d = (c: string) => `sha256:${c.repeat(64)}`;

function record(name: string, config: string, layers: string[]): ImageRecord {
  return {
    name,
    manifestDigest: d(config === 'c' ? 'a' : 'b'),
    configDigest: d(config),
    layers: layers.map((l) => ({ digest: d(l), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 1 })),
    size: 3,
    createdAt: new Date(0).toISOString(),
  };
}

test('image records are found by any spelling of their reference, listed, removed, and counted for GC', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kap-imgstore-'));
  try {
    const store = new ImageStore(root);
    const saved = await store.put(record('busybox:1.35', 'c', ['1', '2']));
    assert.equal(saved.name, 'docker.io/library/busybox:1.35');
    await store.put(record('docker.io/library/busybox:latest', 'c', ['1', '2']));
    await store.put(record('127.0.0.1:5000/app:v1', 'e', ['2', '3']));
    for (const ref of ['busybox:1.35', 'library/busybox:1.35', 'docker.io/library/busybox:1.35']) {
      assert.equal((await store.get(ref))?.configDigest, d('c'), ref);
    }
    assert.equal(await store.get('busybox:1.36'), undefined);
    assert.equal((await store.lookup(d('e'))).name, '127.0.0.1:5000/app:v1', 'lookup by image ID');
    await assert.rejects(store.lookup('nginx'), (e) => isApiError(e, 'NotFound'));
    assert.deepEqual((await store.list()).map((r) => r.name), [
      '127.0.0.1:5000/app:v1', 'docker.io/library/busybox:1.35', 'docker.io/library/busybox:latest',
    ]);
    assert.equal(await store.remove('127.0.0.1:5000/app:v1'), true);
    assert.equal(await store.remove('127.0.0.1:5000/app:v1'), false);
    const used = await store.referencedBlobs();
    assert.ok(used.has(d('1')) && used.has(d('2')) && used.has(d('c')) && used.has(d('a')));
    assert.equal(used.has(d('3')), false, 'a removed image no longer holds its own layer');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
