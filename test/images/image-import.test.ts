import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { isApiError } from '../../api/errors';
import { ContentStore } from '../../node-agent/images/content-store';
import { sha256Digest } from '../../node-agent/images/digest';
import { imageFromDirectory } from '../../node-agent/images/image-builder';
import { detectFormat } from '../../node-agent/images/image-import';
import { ImagePullError, ImageService } from '../../node-agent/images/image-service';
import { writeOciLayout } from '../../node-agent/images/oci-layout';
import { directoryEntries, writeTar } from '../../node-agent/images/tar-writer';
import { buildTestImage, storeTestImage } from './image-fixtures';

let root: string;
const amd64 = { os: 'linux', architecture: 'amd64' };
/** No registries reachable: every image here must come from an import. */
const offline = (dir: string) => new ImageService({ root: dir, registries: { 'docker.io': { server: 'http://127.0.0.1:1' } }, platform: amd64 });

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'kap-import-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('a plain rootfs tar (gzip) becomes a one-layer image usable with pull policy Never', async () => {
  const file = join(root, 'rootfs.tar.gz');
  await writeFile(file, gzipSync(writeTar([
    { path: './', type: 'dir' },
    { path: './bin/', type: 'dir' },
    { path: './bin/tool', type: 'file', mode: 0o755, content: 'tool' },
    { path: './bin/alias', type: 'symlink', linkPath: 'tool' },
  ])));
  assert.equal(await detectFormat(file), 'rootfs');
  const images = offline(join(root, 'rootfs-store'));
  const rec = await images.importImage(file, 'tools:1');
  assert.equal(rec.name, 'docker.io/library/tools:1');
  const img = await images.ensureImage('tools:1', 'Never');
  assert.equal(img.layers.length, 1);
  assert.equal(readFileSync(join(img.layers[0], 'bin/alias'), 'utf8'), 'tool');
  assert.deepEqual(img.config.cmd, ['sh']);
  await assert.rejects(images.ensureImage('tools:2', 'Never'), (e) => e instanceof ImagePullError && e.reason === 'ErrImageNeverPull');
});

test('an OCI layout, as a directory and as a tar, imports under its name; blobs are verified', async () => {
  const tree = join(root, 'tree');
  await mkdir(join(tree, 'bin'), { recursive: true });
  await writeFile(join(tree, 'bin/busybox'), 'pretend busybox');
  await symlink('busybox', join(tree, 'bin/sh'));
  const builder = new ContentStore(join(root, 'builder'));
  const built = await imageFromDirectory(builder, tree, { cmd: ['sh'], platform: amd64 });
  const layout = join(root, 'layout');
  await writeOciLayout(layout, builder, built.manifestDigest, ['busybox:1.35', 'busybox:latest']);

  const fromDir = offline(join(root, 'layout-dir-store'));
  await fromDir.importImage(layout, 'busybox:1.35');
  const img = await fromDir.ensureImage('docker.io/library/busybox:1.35', 'Never');
  assert.equal(img.imageId, built.configDigest);
  assert.equal(readFileSync(join(img.layers[0], 'bin/sh'), 'utf8'), 'pretend busybox');

  const tarFile = join(root, 'layout.tar');
  await writeFile(tarFile, writeTar(await directoryEntries(layout)));
  assert.equal(await detectFormat(tarFile), 'oci-layout');
  const fromTar = offline(join(root, 'layout-tar-store'));
  await fromTar.importImage(tarFile, 'busybox:latest');
  assert.equal((await fromTar.ensureImage('busybox', 'Never')).imageId, built.configDigest);

  // A layout whose layer blob does not hash to its name is refused.
  const layerHex = built.manifest.layers[0].digest.slice(7);
  await writeFile(join(layout, 'blobs/sha256', layerHex), gzipSync(Buffer.from('tampered')));
  await assert.rejects(offline(join(root, 'tampered-store')).importImage(layout, 'busybox:1.35'), (e) => isApiError(e, 'Invalid'));
});

test('a legacy docker save archive imports the image tagged with the requested name', async () => {
  const image = buildTestImage([[{ path: 'hello', type: 'file', content: 'from docker save' }]], { Cmd: ['/hello'] });
  const store = new ContentStore(join(root, 'docker-src'));
  await storeTestImage(store, image);
  const manifest = JSON.parse(image.manifestRaw.toString('utf8'));
  // docker save keeps layers as plain tars named by directory, not by digest.
  const layerTar = gunzipSync(await store.readBlob(manifest.layers[0].digest));
  const configName = `${image.configDigest.slice(7)}.json`;
  const file = join(root, 'saved.tar');
  await writeFile(file, writeTar([
    { path: 'abc/', type: 'dir' },
    { path: 'abc/layer.tar', type: 'file', content: layerTar },
    { path: configName, type: 'file', content: await store.readBlob(image.configDigest) },
    { path: 'manifest.json', type: 'file', content: JSON.stringify([{ Config: configName, RepoTags: ['hello:saved'], Layers: ['abc/layer.tar'] }]) },
  ]));
  assert.equal(await detectFormat(file), 'docker-save');
  const images = offline(join(root, 'docker-store'));
  await images.importImage(file, 'hello:saved');
  const img = await images.ensureImage('hello:saved', 'Never');
  assert.equal(img.imageId, image.configDigest);
  assert.deepEqual(img.config.cmd, ['/hello']);
  assert.equal(readFileSync(join(img.layers[0], 'hello'), 'utf8'), 'from docker save');
});

test('garbage collection removes the blobs and unpacked layers of removed images only', async () => {
  const images = offline(join(root, 'gc-store'));
  const shared = [{ path: 'shared', type: 'file' as const, content: 'base' }];
  const a = buildTestImage([shared, [{ path: 'a', type: 'file', content: 'a' }]]);
  const b = buildTestImage([shared, [{ path: 'b', type: 'file', content: 'b' }]]);
  for (const [name, image] of [['gc-a:1', a], ['gc-b:1', b]] as const) {
    const src = join(root, `gc-src-${name.replace(':', '-')}`);
    const store = new ContentStore(join(src, 'content'));
    await storeTestImage(store, image);
    await writeOciLayout(join(src, 'layout'), store, image.manifestDigest, [name]);
    await images.importImage(join(src, 'layout'), name);
  }
  const imgA = await images.ensureImage('gc-a:1', 'Never');
  const imgB = await images.ensureImage('gc-b:1', 'Never');
  assert.equal(imgA.layers[0], imgB.layers[0], 'the shared base layer is unpacked once');
  assert.deepEqual((await images.collectGarbage()).blobs, [], 'nothing to collect while both images exist');

  assert.equal(await images.removeImage('gc-b:1'), true);
  const collected = await images.collectGarbage();
  const onlyB = [...b.blobs.keys(), b.manifestDigest].filter((d) => !a.blobs.has(d)).sort();
  assert.deepEqual(collected.blobs.sort(), onlyB);
  assert.equal(existsSync(imgB.layers[1]), false, "b's own layer dir is gone");
  assert.ok(existsSync(imgA.layers[0]) && existsSync(imgA.layers[1]), "a's layers stay");
  assert.ok(await images.content.verify(a.manifestDigest));
  assert.equal(readdirSync(join(root, 'gc-store', 'layers')).length, 2);
  assert.equal(sha256Digest(readFileSync(images.content.blobPath(a.configDigest))), a.configDigest);

  // Disk-pressure GC (thresholds at 0% so this disk is always "full") keeps images containers use,
  // and (with the default minimum age) images imported just now.
  assert.deepEqual(await images.garbageCollectImages(new Set(), { highThresholdPercent: 0, lowThresholdPercent: 0 }), []);
  const policy = { highThresholdPercent: 0, lowThresholdPercent: 0, minimumAgeMs: 0 };
  assert.deepEqual(await images.garbageCollectImages(new Set([a.configDigest]), policy), []);
  assert.deepEqual(await images.garbageCollectImages(new Set(), policy), ['docker.io/library/gc-a:1']);
  assert.deepEqual(await images.listImages(), []);
  assert.deepEqual(await images.content.list(), []);
  assert.deepEqual(readdirSync(join(root, 'gc-store', 'layers')), []);
});
