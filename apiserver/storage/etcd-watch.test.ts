// EtcdBackend.watch against a real etcd, over the hand-written gRPC watch
// stream: events in order with the values before them, resuming from a
// revision, 410 on a compacted one, cancelling (etcd holds no watcher after),
// failing over to a live endpoint, and an error when etcd goes away.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEtcd } from '../../test/harness/etcd';
import { startTestBackend, TestBackend } from '../../test/harness/registry';
import { freePort } from '../../test/harness/ports';
import { isApiError } from '../../api/errors';
import { EtcdBackend } from './etcd-backend';
import type { StorageEvent, StorageWatch } from './backend';

let bed: TestBackend;
let etcd: TestEtcd;
let backend: EtcdBackend;

before(async () => {
  bed = await startTestBackend();
  ({ etcd, backend } = bed);
});

after(async () => {
  await bed?.stop();
});

const buf = (s: string) => Buffer.from(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Recorder {
  events: StorageEvent[];
  batches: { count: number; revision: number }[];
  errors: Error[];
  watch: StorageWatch;
  /** Resolves once `n` events have arrived (rejects on a watch error or after 10 s). */
  until(n: number): Promise<void>;
  failed(): Promise<Error>;
}

function record(b: EtcdBackend, prefix: string, afterRevision: number): Recorder {
  const r = { events: [], batches: [], errors: [] } as unknown as Recorder;
  const waiters: (() => void)[] = [];
  r.watch = b.watch(prefix, afterRevision, {
    onEvents(events, revision) {
      r.events.push(...events);
      r.batches.push({ count: events.length, revision });
      for (const w of waiters) w();
    },
    onError(err) {
      r.errors.push(err);
      for (const w of waiters) w();
    },
  });
  const wait = (done: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${r.events.length} events`)), 10_000);
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        resolve();
      };
      waiters.push(check);
      check();
    });
  r.until = async (n) => {
    await wait(() => r.events.length >= n || r.errors.length > 0, `${n} events`);
    if (r.errors.length) throw r.errors[0];
  };
  r.failed = async () => {
    await wait(() => r.errors.length > 0, 'a watch error');
    return r.errors[0];
  };
  return r;
}

/** etcd's own count of open watchers (its /metrics gauge). */
async function etcdWatchers(): Promise<number> {
  const text = await (await fetch(`${etcd.endpoint}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('etcd_debugging_mvcc_watcher_total '));
  assert.ok(line, 'etcd reports etcd_debugging_mvcc_watcher_total');
  return Number(line.split(' ')[1]);
}

async function untilWatchers(n: number): Promise<void> {
  for (let i = 0; i < 100 && (await etcdWatchers()) !== n; i++) await sleep(50);
  assert.equal(await etcdWatchers(), n);
}

test('events arrive in order, with the value before each update and delete', async () => {
  const start = await backend.currentRevision();
  const r = record(backend, '/kap-w/order/', start);
  const a1 = await backend.create('/kap-w/order/a', buf('a1'));
  assert.ok(a1.ok);
  await backend.create('/kap-w/other/x', buf('not watched'));
  const a2 = await backend.update('/kap-w/order/a', buf('a2'), a1.revision);
  assert.ok(a2.ok);
  const b1 = await backend.create('/kap-w/order/b', buf('b1'));
  assert.ok(b1.ok);
  const del = await backend.delete('/kap-w/order/a', a2.revision);
  assert.ok(del.ok);
  await r.until(4);
  r.watch.close();
  const seen = r.events.map((e) => ({
    type: e.type,
    key: e.kv.key,
    value: e.kv.value.toString(),
    mod: e.kv.modRevision,
    created: e.kv.createRevision,
    prev: e.prev && { value: e.prev.value.toString(), mod: e.prev.modRevision },
  }));
  assert.deepEqual(seen, [
    { type: 'put', key: '/kap-w/order/a', value: 'a1', mod: a1.revision, created: a1.revision, prev: undefined },
    { type: 'put', key: '/kap-w/order/a', value: 'a2', mod: a2.revision, created: a1.revision, prev: { value: 'a1', mod: a1.revision } },
    { type: 'put', key: '/kap-w/order/b', value: 'b1', mod: b1.revision, created: b1.revision, prev: undefined },
    { type: 'delete', key: '/kap-w/order/a', value: '', mod: del.revision, created: 0, prev: { value: 'a2', mod: a2.revision } },
  ]);
  // Each batch carries the store's revision when etcd sent it.
  for (const b of r.batches) assert.ok(b.revision >= a1.revision);
  assert.equal(r.batches.at(-1)!.revision, del.revision);
  assert.deepEqual(r.errors, []);
});

test('a watch resumes after the given revision, replaying history in batches', async () => {
  const revs: number[] = [];
  for (let i = 0; i < 50; i++) {
    const res = await backend.create(`/kap-w/resume/k${i}`, buf(`v${i}`));
    assert.ok(res.ok);
    revs.push(res.revision);
  }
  const r = record(backend, '/kap-w/resume/', revs[9]);
  await r.until(40);
  r.watch.close();
  assert.deepEqual(r.events.map((e) => e.kv.modRevision), revs.slice(10));
  assert.deepEqual(r.events.map((e) => e.kv.value.toString()), revs.slice(10).map((_, i) => `v${i + 10}`));
  // History comes in etcd's batches, not one response per event.
  assert.ok(r.batches.length < 40, `${r.batches.length} batches`);
});

test('a watch from a compacted revision fails with 410 Gone', async () => {
  const first = await backend.create('/kap-w/compact/a', buf('1'));
  assert.ok(first.ok);
  const second = await backend.create('/kap-w/compact/b', buf('2'));
  assert.ok(second.ok);
  await backend.compact(second.revision);
  const r = record(backend, '/kap-w/compact/', first.revision - 1);
  const err = await r.failed();
  assert.ok(isApiError(err, 'Gone'), String(err));
  assert.deepEqual(r.events, []);
  // A watch from the compaction point itself still works.
  const ok = record(backend, '/kap-w/compact/', second.revision - 1);
  await ok.until(1);
  assert.equal(ok.events[0].kv.key, '/kap-w/compact/b');
  ok.watch.close();
  assert.equal(r.errors.length, 1);
});

test('a closed watch delivers nothing more and etcd drops it; so does closing the backend', async () => {
  await untilWatchers(0);
  const start = await backend.currentRevision();
  const r = record(backend, '/kap-w/cancel/', start);
  await backend.create('/kap-w/cancel/a', buf('a'));
  await r.until(1);
  assert.equal(await etcdWatchers(), 1);
  r.watch.close();
  await untilWatchers(0);
  await backend.create('/kap-w/cancel/b', buf('b'));
  await sleep(200);
  assert.equal(r.events.length, 1);
  // Closed before etcd confirmed it: nothing is left behind either.
  record(backend, '/kap-w/cancel/', start).watch.close();
  await sleep(200);
  await untilWatchers(0);

  const other = new EtcdBackend({ endpoints: [etcd.endpoint] });
  const watches = [record(other, '/kap-w/cancel/', start), record(other, '/kap-w/cancel/', start)];
  for (const w of watches) await w.until(2);
  assert.equal(await etcdWatchers(), 2);
  await other.close();
  await untilWatchers(0);
  for (const w of watches) assert.deepEqual(w.errors, [], 'closing the backend is not an error');
  // A watch asked of a closed backend never starts.
  const late = record(other, '/kap-w/cancel/', start);
  await sleep(100);
  assert.deepEqual([late.events, late.errors], [[], []]);
});

test('a watch starts on the next endpoint when one is unreachable; none reachable is 503', async () => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const failover = new EtcdBackend({ endpoints: [dead, etcd.endpoint] });
  const unreachable = new EtcdBackend({ endpoints: [dead], callTimeoutMs: 2_000 });
  try {
    const start = await backend.currentRevision();
    const r = record(failover, '/kap-w/failover/', start);
    await sleep(200);
    await backend.create('/kap-w/failover/a', buf('a'));
    await r.until(1);
    const err = await record(unreachable, '/kap-w/failover/', start).failed();
    assert.ok(isApiError(err, 'ServiceUnavailable'), String(err));
  } finally {
    await failover.close();
    await unreachable.close();
  }
});

// Last: it stops etcd.
test('etcd going away ends the watch with one 503 error', async () => {
  const start = await backend.currentRevision();
  const r = record(backend, '/kap-w/outage/', start);
  await backend.create('/kap-w/outage/a', buf('a'));
  await r.until(1);
  await etcd.stop('SIGKILL');
  try {
    const err = await r.failed();
    assert.ok(isApiError(err, 'ServiceUnavailable'), String(err));
  } finally {
    await etcd.restart();
  }
  // It stays ended: events after etcd is back are not delivered to it.
  await sleep(300);
  const again = await backend.currentRevision();
  await backend.create('/kap-w/outage/b', buf('b'));
  const fresh = record(backend, '/kap-w/outage/', again);
  await fresh.until(1);
  fresh.watch.close();
  assert.equal(r.events.length, 1);
  assert.equal(r.errors.length, 1);
});
