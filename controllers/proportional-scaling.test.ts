import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isScalingEvent, proportionalSizes } from './proportional-scaling';
import type { Deployment, ReplicaSet } from './workload-types';

function dep(replicas: number, maxSurge: number | string = '25%'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', generation: 2 },
    spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable: '25%' } } },
  };
}

function rs(name: string, replicas: number, desired: number, max: number, created: string, available = 0): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      creationTimestamp: created,
      annotations: { 'deployment.kubernetes.io/desired-replicas': String(desired), 'deployment.kubernetes.io/max-replicas': String(max) },
    },
    spec: { replicas },
    status: { replicas, availableReplicas: available },
  };
}

test('a scale mid-rollout is spread over the ReplicaSets in proportion, the leftover to the largest', () => {
  const d = dep(20); // surge 5: 25 pods allowed
  const newRS = rs('new', 5, 10, 13, '2026-01-01T00:01:00Z');
  const old = rs('old', 8, 10, 13, '2026-01-01T00:00:00Z', 8);
  assert.ok(isScalingEvent(d, [newRS, old]));
  assert.deepEqual([...proportionalSizes(d, newRS, [old])].sort(), [['new', 10], ['old', 15]]);

  const down = dep(5); // surge 2: 7 allowed, from 13
  assert.deepEqual([...proportionalSizes(down, newRS, [old])].sort(), [['new', 3], ['old', 4]]);
  assert.deepEqual([...proportionalSizes(dep(0), newRS, [old])].sort(), [['new', 0], ['old', 0]]);
});

test('one ReplicaSet with pods takes the whole count; a saturated new one sends the old ones to zero', () => {
  const only = rs('only', 3, 3, 4, '2026-01-01T00:00:00Z', 3);
  const empty = rs('empty', 0, 3, 4, '2026-01-01T00:00:01Z');
  assert.deepEqual([...proportionalSizes(dep(7), empty, [only])], [['only', 7]]);
  assert.ok(!isScalingEvent(dep(3), [only, empty]), 'sized for 3 already');

  const saturated = rs('new', 4, 4, 5, '2026-01-01T00:01:00Z', 4);
  const leftover = rs('old', 1, 4, 5, '2026-01-01T00:00:00Z', 1);
  assert.deepEqual([...proportionalSizes(dep(4), saturated, [leftover])], [['old', 0]]);
});
