import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './work-queue';
import { ManualClock } from '../test/controllers/manual-clock';

test('a key added many times is handed out once', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.length, 0);
});

test('a key being processed is not handed to a second worker; a re-add waits for done', async () => {
  const q = new WorkQueue();
  q.add('a');
  const key = await q.get();
  assert.equal(key, 'a');
  q.add('a');
  assert.equal(q.length, 0, 'held back while processing');
  let second: string | undefined;
  const waiting = q.get().then((k) => (second = k));
  await Promise.resolve();
  assert.equal(second, undefined);
  q.done('a');
  await waiting;
  assert.equal(second, 'a');
  q.done('a');
  assert.equal(q.length, 0);
});

test('addRateLimited backs off exponentially from 5 ms to the maximum, forget resets', () => {
  const clock = new ManualClock();
  const q = new WorkQueue({ clock, maxDelayMs: 1_000_000 });
  const delays = Array.from({ length: 5 }, () => q.when('k'));
  assert.deepEqual(delays, [5, 10, 20, 40, 80]);
  for (let i = 0; i < 40; i++) q.when('k');
  assert.equal(q.when('k'), 1_000_000);
  assert.equal(q.numRequeues('k'), 46);
  q.forget('k');
  assert.equal(q.numRequeues('k'), 0);
  q.addRateLimited('k');
  assert.equal(q.length, 0);
  clock.advance(4);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(q.length, 1);
});

test('addAfter keeps the earliest pending add of a key', () => {
  const clock = new ManualClock();
  const q = new WorkQueue({ clock });
  q.addAfter('k', 100);
  q.addAfter('k', 500);
  q.addAfter('k', 50);
  clock.advance(50);
  assert.equal(q.length, 1);
  clock.advance(1000);
  assert.equal(q.length, 1, 'the later adds were folded into the first');
  assert.equal(clock.pending, 0);
});

test('shutdown releases waiting workers and drops delayed adds', async () => {
  const clock = new ManualClock();
  const q = new WorkQueue({ clock });
  const waiting = q.get();
  q.addAfter('x', 10);
  q.shutdown();
  assert.equal(await waiting, undefined);
  assert.equal(clock.pending, 0);
  q.add('y');
  assert.equal(await q.get(), undefined);
});
