// The two hooks probes need from the pod workers: a resync from outside a step, and a stop after the loops.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makePod } from './pod-test-builders';
import { PodWorkers, type PodWorkerHandlers } from './pod-workers';

test('bind hands the handlers a resync; stop() calls their stop once every loop has ended', async () => {
  const calls: string[] = [];
  let resync: ((uid: string) => void) | undefined;
  const handlers: PodWorkerHandlers = {
    async syncPod() {
      calls.push('sync');
      await sleep(20);
      return {};
    },
    async terminatePod() {},
    async cleanupPod() {},
    bind: (r) => (resync = r),
    stop: () => calls.push('stop'),
  };
  const workers = new PodWorkers(handlers);
  assert.ok(resync, 'bound at construction');
  workers.update({ pod: makePod() });
  await sleep(50);
  resync!('uid-1');
  resync!('unknown-uid'); // no worker: nothing happens
  await sleep(50);
  assert.deepEqual(calls, ['sync', 'sync']);
  resync!('uid-1');
  await workers.stop();
  assert.deepEqual(calls, ['sync', 'sync', 'sync', 'stop']);
});

test('an update that arrives while the pod is being stopped does not clean it up twice', async () => {
  const calls: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const handlers: PodWorkerHandlers = {
    async syncPod() {
      return {};
    },
    async terminatePod() {
      calls.push('terminate');
      await gate;
    },
    async cleanupPod() {
      calls.push('cleanup');
    },
  };
  const workers = new PodWorkers(handlers);
  const pod = makePod();
  workers.update({ pod: { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2024-05-01T10:00:00Z' } } });
  await sleep(20);
  workers.update({ pod, gone: true }); // the watch's DELETED event, while the containers stop
  release();
  await sleep(50);
  assert.deepEqual(calls, ['terminate', 'cleanup']);
  assert.equal(workers.phaseOf('uid-1'), 'terminated');
  await workers.stop();
});
