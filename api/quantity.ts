// Kubernetes resource.Quantity: exact decimal arithmetic on `500m`, `64Mi`,
// `1.5`, `1e3`, and the canonical string form Kubernetes prints.
// A quantity is held as mantissa × 10^exponent (bigint mantissa), so binary
// suffixes and fractions stay exact; precision finer than 1n is rounded up on parse.

import { errors } from './errors';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  mantissa: bigint;
  exponent: number; // base 10, >= -9
  format: QuantityFormat;
}

export const QUANTITY_REGEX = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const QUANTITY_ERROR = `quantities must match the regular expression '${QUANTITY_REGEX}'`;

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_POWER = new Map(Object.entries(BINARY_SUFFIXES).map(([s, p]) => [p / 10, s]));

const MIN_EXPONENT = -9;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Ceiling division for bigints (toward +infinity). */
function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n === b > 0n ? q + 1n : q;
}

function normalize(q: Quantity): Quantity {
  let { mantissa, exponent } = q;
  if (exponent < MIN_EXPONENT) {
    mantissa = ceilDiv(mantissa, pow10(MIN_EXPONENT - exponent));
    exponent = MIN_EXPONENT;
  }
  if (mantissa === 0n) return { mantissa: 0n, exponent: 0, format: q.format };
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  return { mantissa, exponent, format: q.format };
}

/** Parses a quantity string or JSON number; returns undefined when malformed. */
export function tryParseQuantity(input: string | number): Quantity | undefined {
  const s = typeof input === 'number' ? numberToString(input) : input.trim();
  if (s === undefined || !new RegExp(QUANTITY_REGEX).test(s)) return undefined;
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/.exec(s);
  if (!m) return undefined;
  const [, sign, whole, frac = '', suffix] = m;
  if (whole === '' && frac === '') return undefined;
  let mantissa = BigInt((whole || '0') + frac);
  if (sign === '-') mantissa = -mantissa;
  let exponent = -frac.length;
  let format: QuantityFormat;
  if (suffix in DECIMAL_SUFFIXES) {
    exponent += DECIMAL_SUFFIXES[suffix];
    format = 'DecimalSI';
  } else if (suffix in BINARY_SUFFIXES) {
    mantissa *= 2n ** BigInt(BINARY_SUFFIXES[suffix]);
    format = 'BinarySI';
  } else {
    const e = /^[eE]([+-]?\d+)$/.exec(suffix);
    if (!e) return undefined;
    exponent += Number(e[1]);
    format = 'DecimalExponent';
  }
  return normalize({ mantissa, exponent, format });
}

function numberToString(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  // Plain digits for JSON numbers: 1e21 would otherwise print with a `+` exponent.
  const s = String(n);
  return /e/.test(s) ? n.toExponential().replace('e+', 'e') : s;
}

/** Parses a quantity; throws errors.badRequest with Kubernetes' message when malformed. */
export function parseQuantity(input: string | number): Quantity {
  const q = tryParseQuantity(input);
  if (!q) throw errors.badRequest(QUANTITY_ERROR);
  return q;
}

export function quantityErrorMessage(): string {
  return QUANTITY_ERROR;
}

function scaled(q: Quantity, exponent: number): bigint {
  return q.mantissa * pow10(q.exponent - exponent);
}

/** -1, 0 or 1. */
export function compareQuantities(a: Quantity | string | number, b: Quantity | string | number): number {
  const qa = asQuantity(a);
  const qb = asQuantity(b);
  const e = Math.min(qa.exponent, qb.exponent);
  const x = scaled(qa, e);
  const y = scaled(qb, e);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Sum, in the first operand's format (the second's when the first is zero). */
export function addQuantities(a: Quantity | string | number, b: Quantity | string | number): Quantity {
  const qa = asQuantity(a);
  const qb = asQuantity(b);
  const e = Math.min(qa.exponent, qb.exponent);
  return normalize({ mantissa: scaled(qa, e) + scaled(qb, e), exponent: e, format: qa.mantissa === 0n ? qb.format : qa.format });
}

export function subtractQuantities(a: Quantity | string | number, b: Quantity | string | number): Quantity {
  const qb = asQuantity(b);
  return addQuantities(a, { ...qb, mantissa: -qb.mantissa });
}

function asQuantity(q: Quantity | string | number): Quantity {
  return typeof q === 'object' ? q : parseQuantity(q);
}

/** Value in thousandths, rounded up: the integer millicores of a cpu quantity. */
export function milliValue(q: Quantity | string | number): number {
  const x = asQuantity(q);
  return Number(x.exponent >= -3 ? x.mantissa * pow10(x.exponent + 3) : ceilDiv(x.mantissa, pow10(-3 - x.exponent)));
}

/** Whole value, rounded up: the bytes of a memory quantity. */
export function integerValue(q: Quantity | string | number): number {
  const x = asQuantity(q);
  return Number(x.exponent >= 0 ? x.mantissa * pow10(x.exponent) : ceilDiv(x.mantissa, pow10(-x.exponent)));
}

export function quantityFromMilli(milli: number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return normalize({ mantissa: BigInt(Math.trunc(milli)), exponent: -3, format });
}

export function quantityFromInteger(value: number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return normalize({ mantissa: BigInt(Math.trunc(value)), exponent: 0, format });
}

export function isZeroQuantity(q: Quantity | string | number): boolean {
  return asQuantity(q).mantissa === 0n;
}

function formatDecimal(q: Quantity, format: QuantityFormat): string {
  // Largest exponent that is a multiple of 3 and keeps the mantissa whole.
  const e3 = Math.floor(q.exponent / 3) * 3;
  const mantissa = q.mantissa * pow10(q.exponent - e3);
  if (format === 'DecimalExponent') return e3 === 0 ? `${mantissa}` : `${mantissa}e${e3}`;
  const suffix = DECIMAL_BY_EXPONENT.get(e3);
  return suffix !== undefined ? `${mantissa}${suffix}` : `${mantissa}e${e3}`;
}

/** Canonical form as Kubernetes serializes it: `500m`, `1500m`, `2`, `64Mi`, `1k`, `1e3`. */
export function formatQuantity(input: Quantity | string | number): string {
  const q = asQuantity(input);
  if (q.mantissa === 0n) return '0';
  if (q.format === 'BinarySI') {
    const abs = q.mantissa < 0n ? -q.mantissa : q.mantissa;
    const whole = q.exponent >= 0;
    if (whole && abs * pow10(q.exponent) >= 1024n) {
      let v = q.mantissa * pow10(q.exponent);
      let power = 0;
      while (power < 6 && v % 1024n === 0n) {
        v /= 1024n;
        power++;
      }
      return `${v}${power === 0 ? '' : BINARY_BY_POWER.get(power)}`;
    }
    return formatDecimal(q, 'DecimalSI');
  }
  return formatDecimal(q, q.format);
}

/** Canonicalizes a quantity given as string or number; leaves malformed input to validation. */
export function canonicalQuantity(input: string | number): string | number {
  const q = tryParseQuantity(input);
  return q ? formatQuantity(q) : input;
}
