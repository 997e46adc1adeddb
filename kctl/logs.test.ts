import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from './flags';
import { parseGoDuration } from './logs';

test('--since takes Go durations', () => {
  assert.equal(parseGoDuration('90s'), 90_000);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('1.5s'), 1_500);
  assert.equal(parseGoDuration('250ms'), 250);
  assert.throws(() => parseGoDuration('5'), UsageError);
  assert.throws(() => parseGoDuration('5x'), UsageError);
  assert.throws(() => parseGoDuration(''), UsageError);
});
