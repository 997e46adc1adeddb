import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { imagesToRemove } from './image-gc';
import { ImagePullError, ImageService } from './image-service';
import { PullBackoff } from './pull-backoff';

test('pull back-off starts at 10 s, doubles to 5 min, and resets on success', () => {
  let now = 1_000_000;
  const backoff = new PullBackoff(() => now);
  assert.equal(backoff.remaining('a'), 0);
  const delays = Array.from({ length: 7 }, () => backoff.failed('a'));
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  assert.equal(backoff.remaining('a'), 300_000);
  now += 299_000;
  assert.equal(backoff.remaining('a'), 1_000);
  assert.equal(backoff.remaining('b'), 0, 'per image');
  backoff.succeeded('a');
  assert.equal(backoff.remaining('a'), 0);
  assert.equal(backoff.failed('a'), 10_000);
});

test('a failed pull turns into ImagePullBackOff until the back-off passes', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kap-backoff-'));
  try {
    let now = 0;
    // Port 1 on loopback refuses at once: every pull fails without leaving the machine.
    const images = new ImageService({ root, registries: { '127.0.0.1:1': {} }, now: () => now });
    const ref = '127.0.0.1:1/app:v1';
    await assert.rejects(images.ensureImage(ref), (e) => e instanceof ImagePullError && e.reason === 'ErrImagePull');
    await assert.rejects(images.ensureImage(ref), (e) => e instanceof ImagePullError && e.reason === 'ImagePullBackOff');
    now += 10_001;
    await assert.rejects(images.ensureImage(ref), (e) => e instanceof ImagePullError && e.reason === 'ErrImagePull');
    now += 10_001;
    await assert.rejects(images.ensureImage(ref), (e) => e instanceof ImagePullError && e.reason === 'ImagePullBackOff', 'the second delay is 20 s');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('image GC removes least recently used unused images only above the high threshold, down to the low one', () => {
  const gib = 1024 ** 3;
  const images = [
    { name: 'old', imageId: 'sha256:old', size: 3 * gib, lastUsed: 1 },
    { name: 'running', imageId: 'sha256:run', size: 50 * gib, lastUsed: 0 },
    { name: 'newer', imageId: 'sha256:newer', size: 4 * gib, lastUsed: 5 },
    { name: 'newest', imageId: 'sha256:newest', size: 4 * gib, lastUsed: 9 },
  ];
  const inUse = new Set(['sha256:run']);
  assert.deepEqual(imagesToRemove(images, inUse, { capacity: 100 * gib, available: 16 * gib }), [], '84% used: below 85%');
  // 90% used: free 10 GiB to get back to 80%: old (3) + newer (4) + newest (4).
  assert.deepEqual(imagesToRemove(images, inUse, { capacity: 100 * gib, available: 10 * gib }).map((i) => i.name), ['old', 'newer', 'newest']);
  // 86% used: 6 GiB to free: old + newer suffice.
  assert.deepEqual(imagesToRemove(images, inUse, { capacity: 100 * gib, available: 14 * gib }).map((i) => i.name), ['old', 'newer']);
  // Images used within the minimum age stay, whatever the pressure.
  const policy = { highThresholdPercent: 85, lowThresholdPercent: 80, minimumAgeMs: 5 };
  assert.deepEqual(imagesToRemove(images, inUse, { capacity: 100 * gib, available: 10 * gib }, policy, 10).map((i) => i.name), ['old', 'newer']);
});
