import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ImageService } from '../../node-agent/images/image-service';
import { freePort } from '../harness/ports';
import { registryUnavailable, startRegistry } from './registry-fixture';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'images-base.mjs');
const amd64 = { os: 'linux', architecture: 'amd64' };

test('images:base builds busybox:1.35 with linked applets: imported into a node store and pulled through a docker.io mirror', { skip: registryUnavailable() }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kap-images-base-'));
  const registry = await startRegistry();
  try {
    const out = join(dir, 'layout');
    const agentRoot = join(dir, 'agent-import');
    const { stdout } = await run(process.execPath, [SCRIPT, '--out', out, '--import', agentRoot, '--push', '--registry', registry.host]);
    assert.match(stdout, /using the registry already answering/);
    assert.match(stdout, new RegExp(`pushed ${registry.host}/library/busybox:latest`));

    const imported = new ImageService({ root: agentRoot, platform: amd64 });
    const local = await imported.ensureImage('busybox:1.35', 'Never');
    assert.equal((await imported.ensureImage('busybox', 'Never')).imageId, local.imageId, 'latest is the same image');

    const dead = `http://127.0.0.1:${await freePort()}`;
    const mirrored = new ImageService({ root: join(dir, 'agent-pull'), registries: { 'docker.io': { mirrors: [registry.url], server: dead } }, platform: amd64 });
    const pulled = await mirrored.ensureImage('docker.io/library/busybox:1.35', 'Always');
    assert.equal(pulled.imageId, local.imageId, 'the registry serves the same image as the layout');
    assert.deepEqual(pulled.config.cmd, ['sh']);

    const layer = pulled.layers[0];
    assert.equal(readlinkSync(join(layer, 'bin/sh')), 'busybox');
    assert.equal(readlinkSync(join(layer, 'usr/bin/awk')), '../../bin/busybox');
    // The unpacked busybox is the real static binary and runs its applets.
    const echoed = await run(join(layer, 'bin/busybox'), ['echo', 'applets work']);
    assert.equal(echoed.stdout, 'applets work\n');
  } finally {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
