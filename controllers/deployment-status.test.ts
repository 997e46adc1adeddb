// Pure pieces of the Deployment controller: surge arithmetic, template hashes, conditions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newReplicaSetTarget } from './deployment';
import { applyProgressing, calculateStatus, getCondition, maxUnavailable, rfc3339 } from './deployment-status';
import { podTemplateHash, sameTemplate } from './pod-template-hash';
import type { Deployment, ReplicaSet } from './workload-types';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function dep(replicas: number, maxSurge: number | string, maxUnavailable: number | string, extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'n', generation: 1 },
    spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } }, progressDeadlineSeconds: 600, ...extra },
  };
}

function rs(name: string, replicas: number, status: ReplicaSet['status'] = { replicas: 0 }): ReplicaSet {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name }, spec: { replicas }, status };
}

test('the new ReplicaSet grows only within replicas + maxSurge, percentages rounded up', () => {
  const d = dep(10, '25%', '25%'); // surge 3, unavailable 2
  assert.equal(maxUnavailable(d), 2);
  const fresh = rs('new', 0);
  assert.equal(newReplicaSetTarget(d, [fresh, rs('old', 10)], fresh), 3);
  const partway = rs('new', 3);
  assert.equal(newReplicaSetTarget(d, [partway, rs('old', 10)], partway), 3, 'already at 13 = 10 + 3');
  assert.equal(newReplicaSetTarget(d, [partway, rs('old', 8)], partway), 5);
  const over = rs('new', 12);
  assert.equal(newReplicaSetTarget(d, [over], over), 10, 'a scale-down goes straight to replicas');
  const d0 = dep(3, 0, 0); // both zero: one may be unavailable so the rollout can move
  assert.equal(maxUnavailable(d0), 1);
  assert.equal(newReplicaSetTarget(d0, [fresh, rs('old', 3)], fresh), 0);
});

test('the pod-template hash is stable, ignores its own label and changes with the template or collision count', () => {
  const t = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'a' }] } };
  const reordered = { spec: { containers: [{ image: 'a', name: 'c' }] }, metadata: { labels: { app: 'x' } } };
  const h = podTemplateHash(t);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(podTemplateHash(reordered), h);
  assert.equal(podTemplateHash({ ...t, metadata: { labels: { app: 'x', 'pod-template-hash': h } } }), h);
  assert.ok(sameTemplate(t, { ...t, metadata: { labels: { app: 'x', 'pod-template-hash': h } } }));
  assert.notEqual(podTemplateHash({ ...t, spec: { containers: [{ name: 'c', image: 'b' }] } }), h);
  assert.notEqual(podTemplateHash(t, 1), h);
});

test('status sums the ReplicaSets; Available follows replicas - maxUnavailable', () => {
  const d = dep(4, 1, 1);
  const all = [rs('new', 2, { replicas: 2, readyReplicas: 2, availableReplicas: 1 }), rs('old', 2, { replicas: 2, readyReplicas: 2, availableReplicas: 2 })];
  const s = calculateStatus(d, all, all[0], T0);
  assert.deepEqual([s.replicas, s.updatedReplicas, s.readyReplicas, s.availableReplicas, s.unavailableReplicas], [4, 2, 4, 3, 1]);
  assert.equal(getCondition(s, 'Available')?.status, 'True');
  all[1].status!.availableReplicas = 1;
  assert.equal(getCondition(calculateStatus(d, all, all[0], T0), 'Available')?.reason, 'MinimumReplicasUnavailable');
});

test('Progressing: progress refreshes it, no progress past the deadline exceeds it, completion ends it', () => {
  const d = dep(2, 1, 0, { progressDeadlineSeconds: 60 });
  const cond = { type: 'Progressing', status: 'True' as const, reason: 'ReplicaSetUpdated', lastUpdateTime: rfc3339(T0), lastTransitionTime: rfc3339(T0) };
  d.status = { replicas: 2, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1, conditions: [cond] };
  const newRS = rs('d-abc', 1, { replicas: 1, availableReplicas: 1, readyReplicas: 1 });
  const all = [newRS, rs('old', 1, { replicas: 1, availableReplicas: 0, readyReplicas: 0 })];

  const stuck = calculateStatus(d, all, newRS, T0 + 30_000);
  assert.equal(applyProgressing(d, stuck, newRS, T0 + 30_000), 30_000, 'look again when the deadline would pass');
  assert.equal(getCondition(stuck, 'Progressing')?.reason, 'ReplicaSetUpdated');

  const late = calculateStatus(d, all, newRS, T0 + 61_000);
  assert.equal(applyProgressing(d, late, newRS, T0 + 61_000), undefined);
  assert.deepEqual(
    { ...getCondition(late, 'Progressing'), lastUpdateTime: undefined, lastTransitionTime: undefined },
    { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "d-abc" has timed out progressing.', lastUpdateTime: undefined, lastTransitionTime: undefined },
  );

  newRS.status = { replicas: 2, availableReplicas: 2, readyReplicas: 2 };
  const progressed = calculateStatus(d, [newRS, rs('old', 0)], newRS, T0 + 61_000);
  applyProgressing(d, progressed, newRS, T0 + 61_000);
  assert.equal(getCondition(progressed, 'Progressing')?.reason, 'NewReplicaSetAvailable');

  const paused = { ...d, spec: { ...d.spec, paused: true } };
  const p = calculateStatus(paused, all, newRS, T0);
  applyProgressing(paused, p, newRS, T0);
  assert.equal(getCondition(p, 'Progressing')?.reason, 'DeploymentPaused');
});
