// IntOrString values such as `maxSurge: 25%` or `maxUnavailable: 1`, resolved
// against a total as Kubernetes' intstr.GetScaledValueFromIntOrPercent does.

import { errors } from './errors';

export type IntOrString = number | string;

/** True for strings like `25%`. */
export function isPercent(v: unknown): v is string {
  return typeof v === 'string' && /^-?\d+%$/.test(v);
}

/**
 * An integer stays as it is; `N%` becomes N% of total, rounded up or down.
 * Throws errors.badRequest for a string that is not a percentage, or no value.
 */
export function scaledValueFromIntOrPercent(value: IntOrString | null | undefined, total: number, roundUp: boolean): number {
  if (value === null || value === undefined) throw errors.badRequest('nil value for IntOrString');
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw errors.badRequest(`invalid value for IntOrString: ${value} is not an integer`);
    return value;
  }
  if (!value.endsWith('%')) {
    throw errors.badRequest('invalid value for IntOrString: invalid type: string is not a percentage');
  }
  const digits = value.slice(0, -1);
  if (!/^-?\d+$/.test(digits)) throw errors.badRequest(`invalid value "${value}": strconv.Atoi: parsing "${digits}": invalid syntax`);
  const percent = Number(digits);
  // Integer arithmetic first so 25% of 4 is exactly 1, not 0.9999….
  const product = percent * total;
  return roundUp ? Math.ceil(product / 100) : Math.floor(product / 100);
}

/**
 * A Deployment's rolling-update bounds for `desired` replicas: surge rounds up,
 * unavailable rounds down, and when both come to 0 one pod may be unavailable
 * so the rollout can progress (deploymentutil.ResolveFenceposts).
 */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValueFromIntOrPercent(maxSurge ?? 0, desired, true);
  let unavailable = scaledValueFromIntOrPercent(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}
