import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unschedulableCondition } from './pod-conditions';
import { makePod } from '../test/scheduler/builders';

test('the PodScheduled condition is written only when it changes, keeping its transition time', () => {
  const pod = makePod('p').obj();
  const first = unschedulableCondition(pod, '0/1 nodes are available: 1 Insufficient cpu.')!;
  assert.equal(first.status, 'False');
  assert.equal(first.reason, 'Unschedulable');
  pod.status = { conditions: [{ ...first, lastTransitionTime: '2020-01-01T00:00:00Z' }] };
  assert.equal(unschedulableCondition(pod, '0/1 nodes are available: 1 Insufficient cpu.'), undefined);
  const changed = unschedulableCondition(pod, '0/2 nodes are available: 2 Insufficient cpu.')!;
  assert.equal(changed.lastTransitionTime, '2020-01-01T00:00:00Z', 'still False: the transition time stays');
});
