import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackoffPolicy } from './crash-backoff';
import { at, exited, makePod, running, state } from './pod-test-builders';
import { podStatusFrom, type PodStatus } from './pod-status';

const BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };
const ctx = (seconds: number, previous?: PodStatus) => ({ now: at(seconds), backoff: BACKOFF, hostIP: '10.0.0.7', previous });
const conditions = (s: PodStatus) => Object.fromEntries(s.conditions.map((c) => [c.type, c.status]));

test('a pod with nothing started yet is Pending with ContainerCreating', () => {
  const s = podStatusFrom(makePod(), state(), ctx(0));
  assert.equal(s.phase, 'Pending');
  assert.deepEqual(s.containerStatuses[0].state, { waiting: { reason: 'ContainerCreating' } });
  assert.deepEqual(conditions(s), { PodScheduled: 'True', Initialized: 'True', ContainersReady: 'False', Ready: 'False' });
  assert.equal(s.hostIP, '10.0.0.7');
  assert.equal(s.startTime, '2024-05-01T10:00:00Z');
});

test('a running pod: Running, Ready, container running with its ids', () => {
  const s = podStatusFrom(makePod(), state(running('main', 0, 1)), ctx(2));
  assert.equal(s.phase, 'Running');
  assert.deepEqual(conditions(s), { PodScheduled: 'True', Initialized: 'True', ContainersReady: 'True', Ready: 'True' });
  const cs = s.containerStatuses[0];
  assert.deepEqual(cs.state, { running: { startedAt: '2024-05-01T10:00:01Z' } });
  assert.equal(cs.containerID, 'kapstan://uid-1-main-0');
  assert.equal(cs.imageID, 'sha256:img');
  assert.equal(cs.ready, true);
  assert.equal(cs.restartCount, 0);
  assert.deepEqual(cs.lastState, {});
});

test('a restarted container shows restartCount and the previous run as lastState', () => {
  const s = podStatusFrom(makePod(), state(exited('main', 137, 0, 0, 5, { signal: 9 }), running('main', 1, 6)), ctx(7));
  const cs = s.containerStatuses[0];
  assert.equal(cs.restartCount, 1);
  assert.equal(cs.lastState.terminated?.exitCode, 137);
  assert.equal(cs.lastState.terminated?.signal, 9);
  assert.equal(cs.lastState.terminated?.reason, 'Error');
  assert.equal(cs.lastState.terminated?.containerID, 'kapstan://uid-1-main-0');
});

test('a container in back-off is waiting CrashLoopBackOff with the last run in lastState', () => {
  const s = podStatusFrom(makePod(), state(exited('main', 1, 0, 0, 1), exited('main', 1, 1, 1, 2)), ctx(3));
  const cs = s.containerStatuses[0];
  assert.deepEqual(cs.state.waiting, { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=main' });
  assert.equal(cs.lastState.terminated?.exitCode, 1);
  assert.equal(cs.restartCount, 1);
  assert.equal(s.phase, 'Running');
  assert.equal(conditions(s).Ready, 'False');
});

test('OOM kills are reported as OOMKilled', () => {
  const s = podStatusFrom(makePod({ restartPolicy: 'Never' }), state(exited('main', 137, 0, 0, 1, { signal: 9, oomKilled: true })), ctx(2));
  assert.equal(s.containerStatuses[0].state.terminated?.reason, 'OOMKilled');
  assert.equal(s.phase, 'Failed');
});

test('terminal phases: Succeeded when all completed, Failed on an error under Never; Ready False with PodCompleted', () => {
  const ok = podStatusFrom(makePod({ restartPolicy: 'Never', containers: ['a', 'b'] }), state(exited('a', 0), exited('b', 0)), ctx(3));
  assert.equal(ok.phase, 'Succeeded');
  assert.equal(ok.conditions.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
  assert.deepEqual(ok.containerStatuses.map((c) => c.state.terminated?.reason), ['Completed', 'Completed']);
  const bad = podStatusFrom(makePod({ restartPolicy: 'Never', containers: ['a', 'b'] }), state(exited('a', 0), exited('b', 2)), ctx(3));
  assert.equal(bad.phase, 'Failed');
});

test('init containers: Pending and not Initialized until all completed; app containers wait as PodInitializing', () => {
  const pod = makePod({ inits: ['i1', 'i2'] });
  const s = podStatusFrom(pod, state(exited('i1', 0), running('i2', 0, 2)), ctx(3));
  assert.equal(s.phase, 'Pending');
  assert.equal(conditions(s).Initialized, 'False');
  assert.equal(s.conditions.find((c) => c.type === 'Initialized')?.message, 'containers with incomplete status: [i2]');
  assert.deepEqual(s.containerStatuses[0].state, { waiting: { reason: 'PodInitializing' } });
  assert.deepEqual(s.initContainerStatuses?.map((c) => Object.keys(c.state)[0]), ['terminated', 'running']);
  const done = podStatusFrom(pod, state(exited('i1', 0), exited('i2', 0, 0, 2, 3), running('main', 0, 4)), ctx(5));
  assert.equal(done.phase, 'Running');
  assert.equal(conditions(done).Initialized, 'True');
});

test('start failures show as the waiting reason', () => {
  const st = { ...state(), startErrors: { main: { reason: 'ErrImagePull' as const, message: 'not found' } } };
  const s = podStatusFrom(makePod(), st, ctx(1));
  assert.deepEqual(s.containerStatuses[0].state, { waiting: { reason: 'ErrImagePull', message: 'not found' } });
  assert.equal(s.phase, 'Pending');
});

test('conditions keep lastTransitionTime while unchanged; startTime stays the first one', () => {
  const first = podStatusFrom(makePod(), state(running('main')), ctx(1));
  const same = podStatusFrom(makePod(), state(running('main')), ctx(50, first));
  assert.deepEqual(same, first);
  const changed = podStatusFrom(makePod(), state(exited('main', 1, 0, 0, 60), exited('main', 1, 1, 60, 61)), ctx(62, first));
  const ready = changed.conditions.find((c) => c.type === 'Ready')!;
  assert.equal(ready.lastTransitionTime, '2024-05-01T10:01:02Z');
  assert.equal(changed.conditions.find((c) => c.type === 'PodScheduled')!.lastTransitionTime, '2024-05-01T10:00:01Z');
  assert.equal(changed.startTime, first.startTime);
});

test('an image store\'s own reason (e.g. ErrImageNeverPull) is what the status shows', () => {
  const st = { ...state(), startErrors: { main: { reason: 'ErrImageNeverPull' as const, message: 'image not present with pull policy Never' } } };
  assert.equal(podStatusFrom(makePod(), st, ctx(1)).containerStatuses[0].state.waiting?.reason, 'ErrImageNeverPull');
});
