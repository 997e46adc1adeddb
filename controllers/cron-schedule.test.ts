import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronSchedule } from './cron-schedule';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

test('next run times of 5-field schedules and macros, in UTC', () => {
  assert.equal(iso(CronSchedule.parse('*/15 * * * *').next(at('2026-03-01T10:07:30Z'))), '2026-03-01T10:15:00.000Z');
  assert.equal(iso(CronSchedule.parse('@hourly').next(at('2026-03-01T10:00:00Z'))), '2026-03-01T11:00:00.000Z');
  assert.equal(iso(CronSchedule.parse('30 9 * * 1-5').next(at('2026-03-06T10:00:00Z'))), '2026-03-09T09:30:00.000Z', 'Friday after 9:30 → Monday');
  assert.equal(iso(CronSchedule.parse('0 0 29 2 *').next(at('2026-03-01T00:00:00Z'))), '2028-02-29T00:00:00.000Z');
  // Both day fields restricted: either matches (the 13th, or any Friday).
  assert.equal(iso(CronSchedule.parse('0 0 13 * 5').next(at('2026-03-01T00:00:00Z'))), '2026-03-06T00:00:00.000Z');
});

test('time zones: spec.timeZone and the CRON_TZ= prefix', () => {
  const ny = CronSchedule.parse('0 9 * * *', 'America/New_York');
  assert.equal(iso(ny.next(at('2026-01-10T00:00:00Z'))), '2026-01-10T14:00:00.000Z');
  assert.equal(iso(ny.next(at('2026-07-10T00:00:00Z'))), '2026-07-10T13:00:00.000Z', 'daylight saving time');
  assert.equal(iso(CronSchedule.parse('CRON_TZ=Asia/Tokyo 0 9 * * *').next(at('2026-01-10T00:00:00Z'))), '2026-01-11T00:00:00.000Z');
});

test('runs missed between two times: the latest and how many', () => {
  const every = CronSchedule.parse('* * * * *');
  assert.deepEqual(every.between(at('2026-01-01T00:00:00Z'), at('2026-01-01T00:05:30Z')), { latest: at('2026-01-01T00:05:00Z'), count: 5 });
  const many = every.between(at('2026-01-01T00:00:00Z'), at('2026-01-01T05:00:00Z'));
  assert.equal(many.latest, at('2026-01-01T05:00:00Z'));
  assert.equal(many.count, 101, 'counting stops past the limit');
  assert.deepEqual(CronSchedule.parse('0 0 * * *').between(at('2026-01-01T00:00:00Z'), at('2026-01-01T12:00:00Z')), { latest: undefined, count: 0 });
  assert.throws(() => CronSchedule.parse('61 * * * *'));
  assert.throws(() => CronSchedule.parse('* * * *'));
});
