import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMicroTime, nextMicroTime, parseMicroTime } from './micro-time';

test('MicroTime has six fractional digits and parses back', () => {
  const now = new Date('2024-05-01T10:00:00.123Z');
  assert.equal(nextMicroTime(now), '2024-05-01T10:00:00.123000Z');
  assert.equal(parseMicroTime('2024-05-01T10:00:00.123456Z'), Date.parse('2024-05-01T10:00:00Z') * 1000 + 123456);
  assert.equal(parseMicroTime('2024-05-01T10:00:00Z'), Date.parse('2024-05-01T10:00:00Z') * 1000);
  assert.equal(parseMicroTime('2024-05-01T12:00:00.5+02:00'), Date.parse('2024-05-01T10:00:00Z') * 1000 + 500000);
  assert.equal(parseMicroTime('yesterday'), undefined);
  assert.equal(formatMicroTime(parseMicroTime('2024-05-01T10:00:00.000001Z')!), '2024-05-01T10:00:00.000001Z');
});

test('a renewal is strictly after the previous one even when the clock has not moved or went back', () => {
  const now = new Date('2024-05-01T10:00:00.123Z');
  assert.equal(nextMicroTime(now, '2024-05-01T10:00:00.123000Z'), '2024-05-01T10:00:00.123001Z');
  assert.equal(nextMicroTime(now, '2024-05-01T10:00:01.999999Z'), '2024-05-01T10:00:02.000000Z');
  assert.equal(nextMicroTime(now, '2024-05-01T09:00:00.000000Z'), '2024-05-01T10:00:00.123000Z');
});
