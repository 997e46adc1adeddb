// metav1.MicroTime: RFC 3339 with six fractional digits, as Leases carry it.

/** `now` as MicroTime, strictly after `previous` so that renewals always advance. */
export function nextMicroTime(now: Date, previous?: string): string {
  let micros = now.getTime() * 1000;
  const prior = previous ? parseMicroTime(previous) : undefined;
  if (prior !== undefined && micros <= prior) micros = prior + 1;
  return formatMicroTime(micros);
}

export function formatMicroTime(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const extra = String(micros - millis * 1000).padStart(3, '0');
  return new Date(millis).toISOString().replace(/Z$/, `${extra}Z`);
}

/** Microseconds since the epoch, or undefined when `text` is not a timestamp. */
export function parseMicroTime(text: string): number | undefined {
  const match = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!match) return undefined;
  const wholeSecondsMillis = Date.parse(match[1] + match[3]);
  if (Number.isNaN(wholeSecondsMillis)) return undefined;
  return wholeSecondsMillis * 1000 + Number((match[2] ?? '').padEnd(6, '0').slice(0, 6));
}
