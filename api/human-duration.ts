// Kubernetes' short human durations (duration.HumanDuration): 45s, 3m12s, 5h, 2d3h, 3y.
export function humanDuration(seconds: number): string {
  const secs = Math.max(0, Math.floor(seconds));
  if (secs < 120) return `${secs}s`;
  const mins = Math.floor(secs / 60);
  if (mins < 10) return secs % 60 ? `${mins}m${secs % 60}s` : `${mins}m`;
  if (mins < 180) return `${mins}m`;
  const hours = Math.floor(mins / 60);
  if (hours < 8) return mins % 60 ? `${hours}h${mins % 60}m` : `${hours}h`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 8) return hours % 24 ? `${days}d${hours % 24}h` : `${days}d`;
  if (days < 365 * 2) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}

/** Age of a timestamp, or `<unknown>`. */
export function ageOf(timestamp: string | undefined, now: Date): string {
  if (!timestamp || Number.isNaN(Date.parse(timestamp))) return '<unknown>';
  return humanDuration((now.getTime() - Date.parse(timestamp)) / 1000);
}
