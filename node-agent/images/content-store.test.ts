import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile, chmod, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isApiError } from '../../api/errors';
import { ContentStore } from './content-store';
import { sha256Digest } from './digest';

async function withStore(fn: (store: ContentStore, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'kap-content-'));
  try {
    await fn(new ContentStore(root), root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('blobs are stored under their sha256 and read back', () =>
  withStore(async (store) => {
    const data = Buffer.from('hello layer');
    const digest = await store.writeBlob(data);
    assert.equal(digest, sha256Digest(data));
    assert.ok(await store.has(digest));
    assert.deepEqual(await store.readBlob(digest), data);
    assert.equal(await store.size(digest), data.length);
    assert.deepEqual(await store.list(), [digest]);
    assert.ok(await store.verify(digest));
    await store.delete(digest);
    assert.equal(await store.has(digest), false);
  }));

test('a blob whose digest or size does not match is refused and leaves nothing behind', () =>
  withStore(async (store, root) => {
    const data = Buffer.from('real content');
    const wrong = sha256Digest('other content');
    await assert.rejects(store.writeBlob(data, { digest: wrong }), (e) => isApiError(e, 'Invalid') && /mismatch/.test(e.message));
    assert.equal(await store.has(wrong), false);
    await assert.rejects(store.writeBlob(data, { digest: sha256Digest(data), size: 3 }), (e) => isApiError(e, 'Invalid'));
    await assert.rejects(store.writeBlob(data, { digest: sha256Digest(data), size: 100 }), (e) => isApiError(e, 'Invalid'));
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(readdirSync(join(root, 'ingest')), [], 'temp files are removed');
    await assert.rejects(store.writeBlob(data, { digest: 'md5:abc' }), (e) => isApiError(e, 'Invalid'));
  }));

test('streams are verified as they are written, and corruption on disk is detected', () =>
  withStore(async (store) => {
    const chunks = [Buffer.from('a'.repeat(70_000)), Buffer.from('b'.repeat(5))];
    const expected = sha256Digest(Buffer.concat(chunks));
    async function* gen() {
      yield* chunks;
    }
    assert.equal(await store.writeStream(gen(), { digest: expected, size: 70_005 }), expected);
    const path = store.blobPath(expected);
    await chmod(path, 0o644);
    await writeFile(path, 'tampered');
    assert.equal(await store.verify(expected), false);
    await assert.rejects(store.readBlob(sha256Digest('missing')), (e) => isApiError(e, 'NotFound'));
  }));

test('ingest files left by an interrupted write are cleaned once old', () =>
  withStore(async (store, root) => {
    await mkdir(join(root, 'ingest'), { recursive: true });
    await writeFile(join(root, 'ingest', 'crashed'), 'partial');
    await writeFile(join(root, 'ingest', 'in-progress'), 'partial');
    const twoHoursAgo = (Date.now() - 2 * 60 * 60 * 1000) / 1000;
    await utimes(join(root, 'ingest', 'crashed'), twoHoursAgo, twoHoursAgo);
    assert.equal(await store.cleanIngest(), 1);
    assert.deepEqual(readdirSync(join(root, 'ingest')), ['in-progress']);
  }));
