// Image garbage collection in a running agent (real etcd, apiserver, agent,
// shim and image store): with the disk above the high threshold (0 % here),
// images no container was made from are removed once older than the minimum
// age; the one a pod runs stays.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { RunningAgent } from '../../node-agent';
import { ImageService } from '../../node-agent/images/image-service';
import { startAgentTestBed, startBedAgent, waitFor, type AgentTestBed } from './agent-testbed';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
let bed: AgentTestBed;
let agent: RunningAgent | undefined;

before(async () => {
  bed = await startAgentTestBed('imggc');
});

after(async () => {
  await agent?.stop();
  await bed?.cleanup();
});

test('unused images are collected when the disk is over the threshold; an image in use stays', { timeout: 300_000 }, async () => {
  const images = new ImageService({ root: join(bed.root, 'images'), gcPolicy: { highThresholdPercent: 0, lowThresholdPercent: 0, minimumAgeMs: 10_000 } });
  const layout = join(bed.root, 'busybox-oci');
  await run(process.execPath, [join(ROOT, 'scripts', 'images-base.mjs'), '--out', layout], { timeout: 300_000 });
  await images.importImage(layout, 'busybox:1.35');
  // A second, different image: a rootfs tar with one file.
  const rootfs = join(bed.root, 'unused-rootfs');
  mkdirSync(rootfs);
  writeFileSync(join(rootfs, 'kap-marker'), 'unused\n');
  await run('tar', ['-C', rootfs, '-czf', join(bed.root, 'unused.tar.gz'), '.']);
  await images.importImage(join(bed.root, 'unused.tar.gz'), 'kap-unused:1');
  const names = async () => (await images.images.list()).map((r) => r.name).sort();
  assert.deepEqual(await names(), ['docker.io/library/busybox:1.35', 'docker.io/library/kap-unused:1']);

  agent = await startBedAgent(bed, { images, imageGcIntervalMs: 300 });
  await bed.createPod('kap-gc-user', {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'main', image: 'busybox:1.35', imagePullPolicy: 'Never', command: ['sleep', '3600'] }],
  });
  await waitFor('the pod to run', async () => ((await bed.getPod('kap-gc-user'))?.status as { phase?: string } | undefined)?.phase === 'Running', 60_000).catch(async (err) => {
    throw new Error(`${(err as Error).message}: ${JSON.stringify((await bed.getPod('kap-gc-user'))?.status)}\n${bed.logs.join('\n')}`);
  });
  // Nothing goes before it is 10 s old (the minimum age), then only the unused image.
  await waitFor('the unused image to be collected', async () => !(await names()).includes('docker.io/library/kap-unused:1'), 60_000);
  assert.deepEqual(await names(), ['docker.io/library/busybox:1.35'], 'the image the pod runs stays');
  // The agent logs it once the unreferenced blobs and layers are gone too.
  await waitFor('the collection to be logged', () => bed.logs.some((l) => /image garbage collection removed unused images/.test(l) && /kap-unused/.test(l)), 30_000);
});
