import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../framework/cycle-state';
import { ImageLocality, normalizedImageName } from './image-locality';
import { Cluster } from '../../test/scheduler/plugin-harness';
import { makeNode, makePod } from '../../test/scheduler/builders';

const MB = 1024 * 1024;

test('nodes holding the image score higher, scaled by how widely it is spread', () => {
  const c = new Cluster([makeNode('has').image('nginx:latest', 500 * MB).obj(), makeNode('lacks').obj()]);
  const scores = c.scores(new ImageLocality(c.handle), makePod('p').image('nginx').obj());
  // 500 MB × 1/2 nodes = 250 MB, between 23 MB and 1000 MB: 100 × (250 − 23) / 977 → 23.
  assert.deepEqual(scores, { has: 23, lacks: 0 });
});

test('image names without a tag mean :latest', () => {
  assert.equal(normalizedImageName('nginx'), 'nginx:latest');
  assert.equal(normalizedImageName('localhost:5000/app'), 'localhost:5000/app:latest');
  assert.equal(normalizedImageName('app:1.2'), 'app:1.2');
  assert.equal(normalizedImageName('app@sha256:abc'), 'app@sha256:abc');
});

test('PreScore skips a pod none of whose images any node holds (every node would score 0)', () => {
  const c = new Cluster([makeNode('has').image('nginx:latest', 500 * MB).obj(), makeNode('other').image('redis:7', 100 * MB).obj()]);
  const plugin = new ImageLocality(c.handle);
  const state = new CycleState();
  assert.equal(plugin.preScore(state, makePod('p').image('busybox').obj()).code, 'Skip');
  assert.equal(plugin.preScore(state, makePod('q').image('nginx').obj()).code, 'Success');
});
