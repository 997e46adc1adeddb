// Compose's duration and size notations, converted to what Kubernetes fields take.

/** `1m30s`, `10s`, `1h`, `500ms`, `1.5s`, `2us`; a bare number is seconds (as in `stop_grace_period: 10`). Returns seconds. */
export function parseDurationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const unitSeconds: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, 'µs': 1e-6, ns: 1e-9 };
  const part = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = part.exec(text); m; m = part.exec(text)) {
    total += Number(m[1]) * unitSeconds[m[2]];
    consumed = part.lastIndex;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

/**
 * A Docker byte size (`512m`, `1g`, `1.5GB`, `2048k`, `100000`; units are
 * powers of 1024 as Docker reads them) as a Kubernetes quantity (`512Mi`).
 */
export function byteSizeToQuantity(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value);
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(value.trim());
  if (!m) return undefined;
  const [, amount, unit] = m;
  const suffix: Record<string, string> = { '': '', b: '', k: 'Ki', m: 'Mi', g: 'Gi', t: 'Ti' };
  if (!amount.includes('.')) return `${amount}${suffix[unit.toLowerCase()]}`;
  const power: Record<string, number> = { '': 0, b: 0, k: 1, m: 2, g: 3, t: 4 };
  return String(Math.round(Number(amount) * 1024 ** power[unit.toLowerCase()]));
}

/** Docker `cpus` (`0.5`, `"1.25"`, `2`) as a Kubernetes CPU quantity (`500m`, `1250m`, `2`). */
export function cpusToQuantity(value: unknown): string | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) return undefined;
  return Number.isInteger(n) ? String(n) : `${Math.round(n * 1000)}m`;
}
