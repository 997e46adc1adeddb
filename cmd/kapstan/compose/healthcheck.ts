// A Compose healthcheck as Kubernetes probes. A readiness probe is the match
// for Docker's health status: failing it marks the pod unready (out of its
// Service, and not "healthy" for depends_on) without restarting it, as an
// unhealthy container keeps running under Compose. start_period becomes a
// startup probe checked every start_interval: it holds the readiness probe
// back during start-up, and allows the whole start period plus the usual
// retries before Kubernetes gives up on the container and restarts it.
import { parseDurationSeconds } from './units';
import { Warnings, isMap } from './warnings';

export interface Probes {
  readinessProbe?: Record<string, unknown>;
  startupProbe?: Record<string, unknown>;
}

const DEFAULTS = { interval: 30, timeout: 30, retries: 3, startInterval: 5 };

export function healthcheckProbes(value: unknown, path: string, warnings: Warnings): Probes {
  if (value === undefined || value === null) return {};
  if (!isMap(value)) {
    warnings.add(path, 'must be a mapping; ignored');
    return {};
  }
  warnings.unknownKeys(path, value, ['test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable']);
  if (value.disable === true) return {};
  const command = testCommand(value.test, `${path}.test`, warnings);
  if (!command) return {};
  const seconds = (key: string, fallback: number): number => {
    if (value[key] === undefined) return fallback;
    const s = parseDurationSeconds(value[key]);
    if (s === undefined) {
      warnings.add(`${path}.${key}`, `cannot read duration ${JSON.stringify(value[key])}; using ${fallback}s`);
      return fallback;
    }
    return s;
  };
  // Probe fields are whole seconds, at least 1.
  const whole = (s: number) => Math.max(1, Math.ceil(s));
  const retries = Number.isInteger(value.retries) && (value.retries as number) > 0 ? (value.retries as number) : DEFAULTS.retries;
  const exec = { command };
  const readinessProbe = {
    exec,
    periodSeconds: whole(seconds('interval', DEFAULTS.interval)),
    timeoutSeconds: whole(seconds('timeout', DEFAULTS.timeout)),
    failureThreshold: retries,
    successThreshold: 1,
  };
  const startPeriod = seconds('start_period', 0);
  if (startPeriod <= 0) return { readinessProbe };
  const startInterval = whole(seconds('start_interval', DEFAULTS.startInterval));
  return {
    readinessProbe,
    startupProbe: {
      exec: { command: [...command] },
      periodSeconds: startInterval,
      timeoutSeconds: readinessProbe.timeoutSeconds,
      failureThreshold: Math.ceil(startPeriod / startInterval) + retries,
      successThreshold: 1,
    },
  };
}

/** `["CMD", ...]` runs directly, `["CMD-SHELL", "..."]` and a plain string run with /bin/sh -c, `["NONE"]` disables. */
function testCommand(test: unknown, path: string, warnings: Warnings): string[] | undefined {
  if (test === undefined) {
    warnings.add(path, 'missing; the image\'s own HEALTHCHECK is not read, so no probe is set');
    return undefined;
  }
  if (typeof test === 'string') return test.trim() === '' ? undefined : ['/bin/sh', '-c', test];
  if (!Array.isArray(test) || test.length === 0 || !test.every((t) => typeof t === 'string' || typeof t === 'number')) {
    warnings.add(path, `cannot read ${JSON.stringify(test)}; no probe is set`);
    return undefined;
  }
  const [kind, ...rest] = test.map(String);
  switch (kind) {
    case 'NONE':
      return undefined;
    case 'CMD':
      if (rest.length > 0) return rest;
      break;
    case 'CMD-SHELL':
      if (rest.length > 0) return ['/bin/sh', '-c', rest.join(' ')];
      break;
    default:
      warnings.add(path, `must start with "CMD", "CMD-SHELL" or "NONE", not ${JSON.stringify(kind)}; no probe is set`);
      return undefined;
  }
  warnings.add(path, `"${kind}" without a command; no probe is set`);
  return undefined;
}
