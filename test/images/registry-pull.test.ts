import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ImagePullError, ImageService } from '../../node-agent/images/image-service';
import { parseImageReference } from '../../node-agent/images/image-reference';
import { MEDIA } from '../../node-agent/images/oci-types';
import { RegistryClient } from '../../node-agent/images/registry-client';
import { freePort } from '../harness/ports';
import { buildTestImage, pushTestImage, pushTestIndex, TestImage } from './image-fixtures';
import { registryUnavailable, startRegistry, TestRegistry } from './registry-fixture';

const skip = registryUnavailable();
let registry: TestRegistry | undefined;
let root: string;
let base: TestImage;

const amd64 = { os: 'linux', architecture: 'amd64' };

let deadServer: string;

/** docker.io mirrored to the test registry; its own server is a dead loopback port, so nothing leaves the machine. */
function service(dir: string, mirrors: string[], platform = amd64): ImageService {
  return new ImageService({ root: dir, registries: { 'docker.io': { mirrors, server: deadServer } }, platform });
}

before(async () => {
  if (skip) return;
  root = await mkdtemp(join(tmpdir(), 'kap-pull-'));
  deadServer = `http://127.0.0.1:${await freePort()}`;
  registry = await startRegistry();
  const pusher = new RegistryClient();
  base = buildTestImage([
    [
      { path: 'bin/', type: 'dir' },
      { path: 'bin/hello', type: 'file', mode: 0o755, content: '#!/bin/sh\necho hello\n' },
      { path: 'etc/', type: 'dir' },
      { path: 'etc/gone.conf', type: 'file', content: 'removed by the next layer' },
    ],
    [
      { path: 'etc/', type: 'dir' },
      { path: 'etc/.wh.gone.conf', type: 'file' },
      { path: 'etc/app.conf', type: 'file', content: 'v1' },
    ],
  ], { Entrypoint: ['/bin/hello'], Cmd: ['--loud'], Env: ['A=1'], WorkingDir: '/srv', User: '1000:1000', StopSignal: 'SIGQUIT' });
  await pushTestImage(pusher, parseImageReference(`${registry.host}/library/kaptest:1.0`), base);
  const other = buildTestImage([[{ path: 's390x', type: 'file', content: 'big endian' }]], {}, { os: 'linux', architecture: 's390x' }, MEDIA.dockerManifest);
  await pushTestIndex(pusher, parseImageReference(`${registry.host}/library/kaptest:multi`), [
    [{ os: 'linux', architecture: 's390x' }, other],
    [amd64, base],
  ], MEDIA.dockerManifestList);
});

after(async () => {
  await registry?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

test('docker.io names pull through the configured mirror: layers unpacked lowest first, whiteouts applied, config read', { skip }, async () => {
  const images = service(join(root, 'mirror'), [registry!.url]);
  const img = await images.ensureImage('kaptest:1.0', 'IfNotPresent');
  assert.equal(img.name, 'docker.io/library/kaptest:1.0');
  assert.equal(img.imageId, base.configDigest);
  assert.equal(img.repoDigest, `docker.io/library/kaptest@${base.manifestDigest}`);
  assert.equal(img.layers.length, 2);
  assert.equal(readFileSync(join(img.layers[0], 'bin/hello'), 'utf8'), '#!/bin/sh\necho hello\n');
  assert.equal(readFileSync(join(img.layers[0], 'etc/gone.conf'), 'utf8'), 'removed by the next layer');
  assert.ok(lstatSync(join(img.layers[1], 'etc/gone.conf')).isCharacterDevice(), 'whiteout in the upper layer');
  assert.deepEqual(img.config, {
    entrypoint: ['/bin/hello'], cmd: ['--loud'], env: ['A=1'], workingDir: '/srv', user: '1000:1000', stopSignal: 'SIGQUIT',
  });
  for (const digest of base.blobs.keys()) assert.ok(await images.content.verify(digest), `${digest} stored and verified`);
  const again = await images.ensureImage('docker.io/library/kaptest:1.0', 'IfNotPresent');
  assert.deepEqual(again.layers, img.layers, 'layers are unpacked once and shared');
});

test('a dead mirror is skipped for the next endpoint', { skip }, async () => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const images = service(join(root, 'fallback'), [dead, registry!.url]);
  assert.equal((await images.ensureImage('kaptest:1.0', 'Always')).imageId, base.configDigest);
  const allDead = service(join(root, 'dead'), [dead]);
  await assert.rejects(allDead.pullImage('kaptest:1.0'), (e) => e instanceof ImagePullError && e.reason === 'ErrImagePull' && e.code === 'ServiceUnavailable');
});

test('manifest lists select the platform', { skip }, async () => {
  const forAmd64 = await service(join(root, 'amd64'), [registry!.url]).ensureImage('kaptest:multi', 'Always');
  assert.equal(forAmd64.imageId, base.configDigest);
  const s390 = await service(join(root, 's390x'), [registry!.url], { os: 'linux', architecture: 's390x' }).ensureImage('kaptest:multi', 'Always');
  assert.equal(readFileSync(join(s390.layers[0], 's390x'), 'utf8'), 'big endian');
  await assert.rejects(
    service(join(root, 'arm'), [registry!.url], { os: 'linux', architecture: 'arm64' }).ensureImage('kaptest:multi', 'Always'),
    (e) => e instanceof ImagePullError && e.reason === 'ErrImagePull' && /linux\/arm64/.test(e.message),
  );
});

test('pull policies: Never needs the image present, IfNotPresent keeps it, Always re-resolves the tag', { skip }, async () => {
  const dir = join(root, 'policy');
  const live = service(dir, [registry!.url]);
  await assert.rejects(live.ensureImage('127.0.0.1:1/none:1', 'Never'), (e) => e instanceof ImagePullError && e.reason === 'ErrImageNeverPull');
  await assert.rejects(live.ensureImage(`${registry!.host}/library/kaptest:1.0`, 'Never'), (e) => e instanceof ImagePullError && e.reason === 'ErrImageNeverPull');
  const first = await live.ensureImage(`${registry!.host}/library/kaptest:1.0`, 'IfNotPresent');
  assert.equal((await live.ensureImage(`${registry!.host}/library/kaptest:1.0`, 'Never')).imageId, first.imageId);

  // The tag moves to a new image in the registry.
  const v2 = buildTestImage([[{ path: 'version', type: 'file', content: '2' }]]);
  await pushTestImage(new RegistryClient(), parseImageReference(`${registry!.host}/library/kaptest:moving`), base);
  await live.ensureImage(`${registry!.host}/library/kaptest:moving`, 'IfNotPresent');
  await pushTestImage(new RegistryClient(), parseImageReference(`${registry!.host}/library/kaptest:moving`), v2);
  assert.equal((await live.ensureImage(`${registry!.host}/library/kaptest:moving`, 'IfNotPresent')).imageId, base.configDigest);
  assert.equal((await live.ensureImage(`${registry!.host}/library/kaptest:moving`, 'Always')).imageId, v2.configDigest);

  // Against a registry that does not answer: IfNotPresent works from the store, Always fails.
  const offline = new ImageService({ root: dir, registries: { [registry!.host]: { server: `http://127.0.0.1:${await freePort()}` } }, platform: amd64 });
  assert.equal((await offline.ensureImage(`${registry!.host}/library/kaptest:1.0`, 'IfNotPresent')).imageId, first.imageId);
  await assert.rejects(offline.ensureImage(`${registry!.host}/library/kaptest:1.0`, 'Always'), (e) => e instanceof ImagePullError && e.reason === 'ErrImagePull');
  await assert.rejects(live.ensureImage(`${registry!.host}/library/absent:1`, 'IfNotPresent'), (e) => e instanceof ImagePullError && e.code === 'NotFound');
});

test('a blob missing from the mirror that served the manifest comes from the next endpoint', { skip }, async () => {
  const full = await startRegistry();
  try {
    const repo = 'library/partial';
    await pushTestImage(new RegistryClient(), parseImageReference(`${registry!.host}/${repo}:1`), base);
    await pushTestImage(new RegistryClient(), parseImageReference(`${full.host}/${repo}:1`), base);
    const layerDigest = [...base.blobs.keys()].find((d) => d !== base.configDigest)!;
    const deleted = await fetch(`${registry!.url}/v2/${repo}/blobs/${layerDigest}`, { method: 'DELETE' });
    assert.equal(deleted.status, 202);
    const gone = await fetch(`${registry!.url}/v2/${repo}/blobs/${layerDigest}`, { method: 'HEAD' });
    assert.equal(gone.status, 404, 'the mirror really lacks the layer');

    const images = new ImageService({ root: join(root, 'partial'), registries: { 'docker.io': { mirrors: [registry!.url], server: full.url } }, platform: amd64 });
    const img = await images.ensureImage('partial:1', 'Always');
    assert.equal(img.imageId, base.configDigest);
    assert.ok(await images.content.verify(layerDigest));
  } finally {
    await full.stop();
  }
});
