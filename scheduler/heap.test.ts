import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedHeap } from './heap';

test('pops in order and supports update and removal by key', () => {
  const h = new KeyedHeap<number>((a, b) => a < b);
  for (const [k, v] of [['a', 5], ['b', 3], ['c', 8], ['d', 1], ['e', 7]] as const) h.set(k, v);
  h.set('c', 0); // moves up
  h.set('d', 9); // moves down
  assert.equal(h.delete('b'), 3);
  assert.equal(h.delete('zz'), undefined);
  assert.equal(h.has('b'), false);
  const out: number[] = [];
  while (h.size > 0) out.push(h.pop()!);
  assert.deepEqual(out, [0, 5, 7, 9]);
  assert.equal(h.pop(), undefined);
});
