import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../test/controllers/manual-clock';
import { Expectations } from './expectations';
import { compareForDeletion, isPodActive, isPodAvailable } from './pod-state';
import type { Pod } from './workload-types';

function pod(name: string, opts: { node?: string; phase?: string; readyAt?: string; created?: string; deleting?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z', ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}) },
    spec: { nodeName: opts.node },
    status: { phase: opts.phase ?? 'Pending', conditions: opts.readyAt ? [{ type: 'Ready', status: 'True', lastTransitionTime: opts.readyAt }] : [] },
  };
}

test('surplus pods are ordered unscheduled, pending, not ready, recently ready, newest', () => {
  const pods = [
    pod('ready-long', { node: 'n', phase: 'Running', readyAt: '2026-01-01T00:00:10Z' }),
    pod('ready-recent', { node: 'n', phase: 'Running', readyAt: '2026-01-01T00:05:00Z' }),
    pod('running-not-ready', { node: 'n', phase: 'Running' }),
    pod('pending-on-node', { node: 'n' }),
    pod('unscheduled-old'),
    pod('unscheduled-new', { created: '2026-01-01T00:02:00Z' }),
  ];
  assert.deepEqual(
    [...pods].sort(compareForDeletion).map((p) => p.metadata.name),
    ['unscheduled-new', 'unscheduled-old', 'pending-on-node', 'running-not-ready', 'ready-recent', 'ready-long'],
  );
});

test('active and available pods', () => {
  assert.equal(isPodActive(pod('a', { phase: 'Running' })), true);
  assert.equal(isPodActive(pod('b', { phase: 'Succeeded' })), false);
  assert.equal(isPodActive(pod('c', { deleting: true })), false);
  const ready = pod('r', { phase: 'Running', readyAt: '2026-01-01T00:00:00Z' });
  const t = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(isPodAvailable(ready, 0, t), true);
  assert.equal(isPodAvailable(ready, 10, t + 9_999), false);
  assert.equal(isPodAvailable(ready, 10, t + 10_000), true);
  assert.equal(isPodAvailable(pod('n'), 0, t), false);
});

test('expectations hold until every creation and deletion is observed, or they expire', () => {
  const clock = new ManualClock();
  const e = new Expectations(clock, 60_000);
  assert.ok(e.satisfied('ns/a'));
  e.expectCreations('ns/a', 2);
  e.creationObserved('ns/a');
  assert.ok(!e.satisfied('ns/a'));
  e.creationObserved('ns/a');
  assert.ok(e.satisfied('ns/a'));
  e.expectDeletions('ns/a', ['u1', 'u2']);
  e.deletionObserved('ns/a', 'u1');
  e.deletionObserved('ns/a', 'u1');
  assert.ok(!e.satisfied('ns/a'));
  clock.advance(60_001);
  assert.ok(e.satisfied('ns/a'), 'a lost event does not wedge the controller');
});
