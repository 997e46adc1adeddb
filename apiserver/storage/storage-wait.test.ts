import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from '../../api/errors';
import { untilStorageAnswers } from './storage-wait';

test('a step is retried while storage is unavailable, then its value returned', async () => {
  const logged: string[] = [];
  let calls = 0;
  const value = await untilStorageAnswers('starting', (m) => logged.push(m), async () => {
    if (++calls < 3) throw errors.unavailable('storage is unavailable: no quorum');
    return 'served';
  });
  assert.equal(value, 'served');
  assert.equal(calls, 3);
  assert.deepEqual(logged, ['waiting for storage before starting: storage is unavailable: no quorum', 'waiting for storage before starting: storage is unavailable: no quorum']);
});

test('other errors are thrown at once; unavailability past the wait is thrown', async () => {
  let calls = 0;
  await assert.rejects(untilStorageAnswers('x', () => undefined, async () => {
    calls++;
    throw errors.badRequest('bad');
  }), /bad/);
  assert.equal(calls, 1);
  await assert.rejects(untilStorageAnswers('x', () => undefined, async () => {
    throw errors.unavailable('storage is unavailable: down');
  }, 600), /storage is unavailable: down/);
});
