import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makePod } from './pod-test-builders';
import type { Pod } from './pod-types';
import { PodWorkers, type PodWorkerHandlers } from './pod-workers';

/** Handlers that record each step and can hold a step open or fail it a given number of times. */
class Recorder implements PodWorkerHandlers {
  readonly calls: string[] = [];
  gate?: Promise<void>;
  failures = 0;
  idle?: () => void;

  private async step(name: string, pod: Pod): Promise<void> {
    this.calls.push(`${name} ${pod.metadata.resourceVersion ?? ''}`.trim());
    await this.gate;
    if (this.failures > 0) {
      this.failures--;
      throw new Error(`${name} failed`);
    }
  }

  async syncPod(pod: Pod) {
    await this.step('sync', pod);
    return {};
  }

  async terminatePod(pod: Pod, gone: boolean) {
    await this.step(gone ? 'terminate(gone)' : 'terminate', pod);
  }

  async cleanupPod(pod: Pod) {
    await this.step('cleanup', pod);
    this.idle?.();
  }
}

/** A changed pod (a label), as a real update is; status-only updates do not sync (see below). */
function version(pod: Pod, rv: string, extra: Partial<Pod['metadata']> = {}): Pod {
  return { ...pod, metadata: { ...pod.metadata, resourceVersion: rv, labels: { ...pod.metadata.labels, v: rv }, ...extra } };
}

async function settle(workers: PodWorkers, uid: string, phase?: string): Promise<void> {
  for (let i = 0; i < 200 && workers.phaseOf(uid) !== phase; i++) await sleep(5);
}

test('updates during a sync collapse into one: the latest wins', async () => {
  const h = new Recorder();
  const workers = new PodWorkers(h, { retryDelayMs: 1 });
  try {
    let open!: () => void;
    h.gate = new Promise((r) => (open = r));
    const pod = makePod();
    workers.update({ pod: version(pod, '1') });
    await sleep(5);
    workers.update({ pod: version(pod, '2') });
    workers.update({ pod: version(pod, '3') });
    workers.update({ pod: version(pod, '4') });
    open();
    h.gate = undefined;
    for (let i = 0; i < 100 && h.calls.length < 2; i++) await sleep(5);
    await sleep(20);
    assert.deepEqual(h.calls, ['sync 1', 'sync 4']);
  } finally {
    await workers.stop();
  }
});

test('a deleted pod goes sync → terminating → terminated once, and later updates are dropped', async () => {
  const h = new Recorder();
  const workers = new PodWorkers(h, { retryDelayMs: 1 });
  try {
    const pod = makePod();
    workers.update({ pod: version(pod, '1') });
    workers.update({ pod: version(pod, '2', { deletionTimestamp: '2024-05-01T10:00:00Z' }) });
    await settle(workers, 'uid-1', 'terminated');
    await sleep(20);
    workers.update({ pod: version(pod, '3') });
    await sleep(20);
    assert.deepEqual(h.calls, ['sync 1', 'terminate 2', 'cleanup 2']);
    assert.equal(workers.phaseOf('uid-1'), 'terminated');
  } finally {
    await workers.stop();
  }
});

test('a failing step is retried until it succeeds, and a gone pod is terminated as gone', async () => {
  const h = new Recorder();
  const errors: string[] = [];
  const workers = new PodWorkers({ ...bind(h), onError: (_uid, phase, err) => errors.push(`${phase}: ${(err as Error).message}`) }, { retryDelayMs: 1 });
  try {
    h.failures = 2;
    workers.update({ pod: version(makePod(), '1') });
    for (let i = 0; i < 100 && h.calls.length < 3; i++) await sleep(5);
    assert.deepEqual(h.calls, ['sync 1', 'sync 1', 'sync 1']);
    assert.deepEqual(errors, ['sync: sync failed', 'sync: sync failed']);
    h.failures = 1;
    workers.update({ pod: version(makePod(), '2'), gone: true });
    await settle(workers, 'uid-1', 'terminated');
    assert.deepEqual(h.calls.slice(3), ['terminate(gone) 2', 'terminate(gone) 2', 'cleanup 2']);
  } finally {
    await workers.stop();
  }
});

test('pods have independent workers', async () => {
  const h = new Recorder();
  const workers = new PodWorkers(h, { retryDelayMs: 1 });
  try {
    workers.update({ pod: makePod({ uid: 'a' }) });
    workers.update({ pod: makePod({ uid: 'b' }), gone: true });
    await settle(workers, 'b', 'terminated');
    assert.equal(workers.phaseOf('a'), 'sync');
    assert.deepEqual(workers.knownPods().map((p) => p.metadata.uid), ['a']);
  } finally {
    await workers.stop();
  }
});

test('an update that changes only the status (our own report coming back) keeps the newest pod without a sync', async () => {
  const h = new Recorder();
  const workers = new PodWorkers(h, { retryDelayMs: 1 });
  try {
    const pod = version(makePod(), '1');
    workers.update({ pod });
    for (let i = 0; i < 100 && h.calls.length < 1; i++) await sleep(5);
    const reported = { ...pod, metadata: { ...pod.metadata, resourceVersion: '2' }, status: { phase: 'Running' } } as Pod;
    workers.update({ pod: reported });
    await sleep(30);
    assert.deepEqual(h.calls, ['sync 1']);
    assert.equal(workers.knownPods()[0], reported);
    workers.resync('uid-1');
    for (let i = 0; i < 100 && h.calls.length < 2; i++) await sleep(5);
    assert.deepEqual(h.calls, ['sync 1', 'sync 2']);
    workers.update({ pod: version(reported, '3') }); // a label: a real change
    for (let i = 0; i < 100 && h.calls.length < 3; i++) await sleep(5);
    assert.deepEqual(h.calls, ['sync 1', 'sync 2', 'sync 3']);
  } finally {
    await workers.stop();
  }
});

function bind(h: Recorder): PodWorkerHandlers {
  return { syncPod: h.syncPod.bind(h), terminatePod: h.terminatePod.bind(h), cleanupPod: h.cleanupPod.bind(h) };
}
