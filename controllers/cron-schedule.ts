// A CronJob schedule: node-cron parses the expression (5 fields, or macros
// such as @hourly) into the allowed values of each field; this module walks
// wall-clock minutes in the schedule's time zone to find run times, skipping
// whole hours that cannot match, so it never depends on a running timer and
// works against any injected clock.
import cron from 'node-cron';

export class CronSchedule {
  private readonly minutes: Set<number>;
  private readonly hours: Set<number>;
  private readonly daysOfMonth: Set<number>;
  private readonly months: Set<number>;
  private readonly daysOfWeek: Set<number>;
  /** Standard cron: when both day fields are restricted, either may match. */
  private readonly dayEither: boolean;
  private readonly format: Intl.DateTimeFormat;

  private constructor(expression: string, readonly timeZone: string) {
    const fields = cron.parse(expression);
    const nums = (xs: Array<number | string>) => new Set(xs.filter((x): x is number => typeof x === 'number'));
    this.minutes = nums(fields.minute);
    this.hours = nums(fields.hour);
    this.daysOfMonth = nums(fields.dayOfMonth);
    this.months = nums(fields.month);
    this.daysOfWeek = new Set([...nums(fields.dayOfWeek)].map((d) => d % 7));
    this.dayEither = this.daysOfMonth.size < 31 && this.daysOfWeek.size < 7;
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
  }

  /** `spec.schedule` (optionally prefixed `TZ=zone` or `CRON_TZ=zone`) and `spec.timeZone`; throws on a bad schedule or zone. */
  static parse(schedule: string, timeZone?: string): CronSchedule {
    let expression = schedule.trim();
    let zone = timeZone || 'UTC';
    const prefix = /^(?:CRON_)?TZ=(\S+)\s+(.*)$/.exec(expression);
    if (prefix) {
      zone = prefix[1];
      expression = prefix[2];
    }
    if (expression.split(/\s+/).length !== 5 && !expression.startsWith('@')) throw new Error(`unparseable schedule "${schedule}": expected 5 fields or a @descriptor`);
    return new CronSchedule(expression, zone);
  }

  /** The first run time strictly after `afterMs`, within `horizonMs` (default 5 years). */
  next(afterMs: number, horizonMs = 5 * 366 * 24 * 3600_000): number | undefined {
    let t = Math.floor(afterMs / 60_000) * 60_000 + 60_000;
    const end = afterMs + horizonMs;
    while (t <= end) {
      const w = this.wallClock(t);
      if (!this.hourMatches(w)) {
        t += (60 - w.minute) * 60_000; // to the next hour
        continue;
      }
      if (this.minutes.has(w.minute)) return t;
      t += 60_000;
    }
    return undefined;
  }

  /** Run times in (fromMs, toMs]: the latest one and how many there were (counting stops past `limit`). */
  between(fromMs: number, toMs: number, limit = 100): { latest?: number; count: number } {
    let latest: number | undefined;
    let count = 0;
    for (let t = this.next(fromMs, toMs - fromMs); t !== undefined && t <= toMs; t = this.next(t, toMs - t)) {
      latest = t;
      if (count <= limit) count++;
    }
    return { latest, count };
  }

  private hourMatches(w: { month: number; day: number; weekday: number; hour: number }): boolean {
    if (!this.months.has(w.month) || !this.hours.has(w.hour)) return false;
    const dom = this.daysOfMonth.has(w.day);
    const dow = this.daysOfWeek.has(w.weekday);
    return this.dayEither ? dom || dow : dom && dow;
  }

  private wallClock(ms: number): { month: number; day: number; weekday: number; hour: number; minute: number } {
    const parts: Record<string, string> = {};
    for (const p of this.format.formatToParts(new Date(ms))) parts[p.type] = p.value;
    return {
      month: Number(parts.month),
      day: Number(parts.day),
      weekday: WEEKDAYS.indexOf(parts.weekday),
      hour: Number(parts.hour),
      minute: Number(parts.minute),
    };
  }
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
