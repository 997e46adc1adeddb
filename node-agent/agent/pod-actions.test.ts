import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackoffPolicy } from './crash-backoff';
import { computePodActions, containerSpecHash } from './pod-actions';
import { at, exited, makePod, running, state } from './pod-test-builders';

const BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

test('a new pod starts every app container at attempt 0', () => {
  const a = computePodActions(makePod({ containers: ['a', 'b'] }), state(), at(0), BACKOFF);
  assert.deepEqual(a.start, [{ name: 'a', init: false, attempt: 0 }, { name: 'b', init: false, attempt: 0 }]);
  assert.deepEqual(a.kill, []);
  assert.equal(a.terminalPhase, undefined);
});

test('running containers are left alone (nothing to start twice)', () => {
  const a = computePodActions(makePod({ containers: ['a', 'b'] }), state(running('a'), running('b')), at(5), BACKOFF);
  assert.deepEqual(a.start, []);
  assert.equal(a.wakeAt, undefined);
});

test('init containers run one at a time, in order, before any app container', () => {
  const pod = makePod({ inits: ['i1', 'i2'], containers: ['main'] });
  assert.deepEqual(computePodActions(pod, state(), at(0), BACKOFF).start, [{ name: 'i1', init: true, attempt: 0 }]);
  assert.deepEqual(computePodActions(pod, state(running('i1')), at(0), BACKOFF).start, []);
  assert.deepEqual(computePodActions(pod, state(exited('i1', 0)), at(2), BACKOFF).start, [{ name: 'i2', init: true, attempt: 0 }]);
  assert.deepEqual(computePodActions(pod, state(exited('i1', 0), exited('i2', 0)), at(2), BACKOFF).start, [{ name: 'main', init: false, attempt: 0 }]);
});

test('a failed init container is retried with back-off, or fails the pod under Never', () => {
  const failing = state(exited('i1', 1, 0, 0, 1), exited('i1', 1, 1, 2, 3));
  const a = computePodActions(makePod({ inits: ['i1'] }), failing, at(4), BACKOFF);
  assert.deepEqual(a.start, []);
  assert.deepEqual(a.backingOff, ['i1']);
  assert.equal(a.wakeAt, at(3) + 10_000);
  assert.deepEqual(computePodActions(makePod({ inits: ['i1'] }), failing, at(13), BACKOFF).start, [{ name: 'i1', init: true, attempt: 2 }]);
  const never = computePodActions(makePod({ inits: ['i1'], restartPolicy: 'Never' }), state(exited('i1', 1)), at(4), BACKOFF);
  assert.equal(never.terminalPhase, 'Failed');
  assert.deepEqual(never.start, []);
});

test('crash back-off: first restart at once, then 10 s doubling up to the maximum', () => {
  const pod = makePod();
  assert.deepEqual(computePodActions(pod, state(exited('main', 1, 0, 0, 1)), at(1), BACKOFF).start, [{ name: 'main', init: false, attempt: 1 }]);
  const second = computePodActions(pod, state(exited('main', 1, 1, 1, 2)), at(2), BACKOFF);
  assert.deepEqual(second.backingOff, ['main']);
  assert.equal(second.wakeAt, at(12));
  assert.equal(computePodActions(pod, state(exited('main', 1, 3, 1, 2)), at(2), BACKOFF).wakeAt, at(42));
  assert.equal(computePodActions(pod, state(exited('main', 1, 20, 1, 2)), at(2), BACKOFF).wakeAt, at(302));
});

test('a run of 10 minutes resets the back-off', () => {
  const a = computePodActions(makePod(), state(exited('main', 1, 5, 0, 601)), at(601), BACKOFF);
  assert.deepEqual(a.start, [{ name: 'main', init: false, attempt: 6 }]);
});

test('restartPolicy decides which exits restart and when the pod is terminal', () => {
  const ok = state(exited('main', 0));
  const bad = state(exited('main', 2));
  assert.deepEqual(computePodActions(makePod({ restartPolicy: 'Always' }), ok, at(5), BACKOFF).start.map((s) => s.attempt), [1]);
  assert.equal(computePodActions(makePod({ restartPolicy: 'OnFailure' }), ok, at(5), BACKOFF).terminalPhase, 'Succeeded');
  assert.deepEqual(computePodActions(makePod({ restartPolicy: 'OnFailure' }), bad, at(5), BACKOFF).start.map((s) => s.attempt), [1]);
  assert.equal(computePodActions(makePod({ restartPolicy: 'Never' }), bad, at(5), BACKOFF).terminalPhase, 'Failed');
  const mixed = state(exited('a', 0), running('b'));
  assert.equal(computePodActions(makePod({ containers: ['a', 'b'], restartPolicy: 'Never' }), mixed, at(5), BACKOFF).terminalPhase, undefined);
});

test('an attempt the shim never recorded is replaced under the same number; unknown running containers are killed', () => {
  const unknown = { ...running('main', 2), status: 'unknown' as const };
  assert.deepEqual(computePodActions(makePod(), state(unknown), at(5), BACKOFF).start, [{ name: 'main', init: false, attempt: 2 }]);
  assert.deepEqual(computePodActions(makePod(), state(running('main'), running('old')), at(5), BACKOFF).kill, ['old']);
});

test('a running container whose spec changed is replaced by the next attempt, whatever the restart policy', () => {
  const pod = makePod({ restartPolicy: 'Never' });
  const current = { ...running('main'), specHash: containerSpecHash(pod.spec.containers[0]) };
  assert.deepEqual(computePodActions(pod, state(current), at(5), BACKOFF).start, []);
  const changed = { ...pod, spec: { ...pod.spec, containers: [{ ...pod.spec.containers[0], image: 'busybox:latest' }] } };
  assert.deepEqual(computePodActions(changed, state(current), at(5), BACKOFF).start, [{ name: 'main', init: false, attempt: 1 }]);
  // Key order does not change the hash.
  assert.equal(containerSpecHash({ image: 'x', name: 'a' }), containerSpecHash({ name: 'a', image: 'x' }));
});
