// Warnings name the key they are about with its path in the compose file, e.g.
// `services.web.networks: not supported; all pods share one network`.

export class Warnings {
  readonly list: string[] = [];

  add(path: string, message: string): void {
    const line = `${path}: ${message}`;
    if (!this.list.includes(line)) this.list.push(line);
  }

  /** Warns about every key of `value` not in `known` (extension fields `x-*` are meant to be ignored). */
  unknownKeys(path: string, value: Record<string, unknown>, known: readonly string[], reasons: Record<string, string> = {}): void {
    for (const key of Object.keys(value)) {
      if (known.includes(key) || key.startsWith('x-')) continue;
      this.add(path === '' ? key : `${path}.${key}`, reasons[key] ?? 'not supported; ignored');
    }
  }
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A scalar as Compose reads it where a string is meant (`8080`, `true`). */
export function scalarString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}
