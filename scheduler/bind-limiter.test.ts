import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BindLimiter } from './bind-limiter';

test('no more than the limit run at once; every call runs, in order, also after failures', async () => {
  const limiter = new BindLimiter(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const calls = Array.from({ length: 7 }, (_, i) =>
    limiter.run(async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (i === 3) throw new Error('boom');
      return i;
    }),
  );
  assert.equal(limiter.inFlight, 2);
  assert.equal(limiter.queued, 5);
  const results = await Promise.allSettled(calls);
  assert.equal(peak, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(results.filter((r) => r.status === 'rejected').length, 1);
  assert.equal(limiter.inFlight, 0);
  assert.equal(limiter.queued, 0);
});
