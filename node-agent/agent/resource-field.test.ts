import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makePod } from './pod-test-builders';
import { resourceFieldValue } from './resource-field';

test('resourceFieldRef: requests and limits divided and rounded up; unset limits are the node allocatable', () => {
  const pod = makePod({ containers: ['main', 'side'] });
  pod.spec.containers[0].resources = { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1500m', memory: '128Mi' } };
  const alloc = { cpu: '4', memory: '8Gi', 'ephemeral-storage': '10Gi' };
  assert.equal(resourceFieldValue(pod, 'main', { resource: 'limits.cpu' }, alloc), '2');
  assert.equal(resourceFieldValue(pod, 'main', { resource: 'limits.cpu', divisor: '1m' }, alloc), '1500');
  assert.equal(resourceFieldValue(pod, 'main', { resource: 'requests.cpu', divisor: '1m' }, alloc), '250');
  assert.equal(resourceFieldValue(pod, 'main', { resource: 'requests.memory', divisor: '1Mi' }, alloc), '64');
  assert.equal(resourceFieldValue(pod, 'main', { resource: 'limits.memory' }, alloc), String(128 * 1024 * 1024));
  assert.equal(resourceFieldValue(pod, undefined, { containerName: 'side', resource: 'limits.memory', divisor: '1Gi' }, alloc), '8');
  assert.equal(resourceFieldValue(pod, 'side', { resource: 'requests.cpu' }, alloc), '0');
  assert.throws(() => resourceFieldValue(pod, 'main', { resource: 'limits.gpu' }, alloc), /unsupported resource limits\.gpu/);
  assert.throws(() => resourceFieldValue(pod, 'nope', { resource: 'limits.cpu' }, alloc), /no container "nope"/);
});
