// A service's container environment: `env_file` files first (in order), then
// `environment:` (a map or a `KEY=VALUE` list) over them, as Compose merges them.
// A key without a value takes it from the environment Compose runs in, and is
// left out when that has none.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EnvFileError, parseEnvFile } from './env-file';
import { InterpolationError } from './interpolate';
import { ComposeError, type ComposeProject } from './project';
import { Warnings, isMap, scalarString } from './warnings';

export function serviceEnvironment(project: ComposeProject, service: string, svc: Record<string, unknown>, warnings: Warnings): Map<string, string> {
  const path = `services.${service}`;
  const env = new Map<string, string>();
  const inherited = (name: string) => project.environment[name];
  for (const file of envFiles(svc.env_file, `${path}.env_file`, warnings)) {
    const full = resolve(project.workingDir, file.path);
    let text: string;
    try {
      text = readFileSync(full, 'utf8');
    } catch (e) {
      if (!file.required) continue;
      throw new ComposeError(`${path}.env_file: cannot read ${full}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      for (const [k, v] of parseEnvFile(text, full, inherited)) env.set(k, v);
    } catch (e) {
      if (e instanceof EnvFileError || e instanceof InterpolationError) throw new ComposeError(`${path}.env_file: ${e.message}`);
      throw e;
    }
  }
  const environment = svc.environment;
  if (Array.isArray(environment)) {
    environment.forEach((entry, i) => {
      const text = scalarString(entry);
      if (text === undefined) return warnings.add(`${path}.environment[${i}]`, `cannot read ${JSON.stringify(entry)}; ignored`);
      const eq = text.indexOf('=');
      if (eq >= 0) env.set(text.slice(0, eq), text.slice(eq + 1));
      else setInherited(env, text, inherited(text));
    });
  } else if (isMap(environment)) {
    for (const [k, v] of Object.entries(environment)) {
      if (v === null || v === undefined) setInherited(env, k, inherited(k));
      else {
        const text = scalarString(v);
        if (text === undefined) warnings.add(`${path}.environment.${k}`, 'must be a string, number or boolean; ignored');
        else env.set(k, text);
      }
    }
  } else if (environment !== undefined && environment !== null) {
    warnings.add(`${path}.environment`, 'must be a mapping or a list; ignored');
  }
  return env;
}

function setInherited(env: Map<string, string>, key: string, value: string | undefined): void {
  if (value === undefined) env.delete(key);
  else env.set(key, value);
}

function envFiles(value: unknown, path: string, warnings: Warnings): { path: string; required: boolean }[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((entry, i) => {
    if (typeof entry === 'string') return [{ path: entry, required: true }];
    if (isMap(entry) && typeof entry.path === 'string') {
      warnings.unknownKeys(`${path}[${i}]`, entry, ['path', 'required'], { format: 'not supported; read as KEY=VALUE lines' });
      return [{ path: entry.path, required: entry.required !== false }];
    }
    warnings.add(Array.isArray(value) ? `${path}[${i}]` : path, `cannot read ${JSON.stringify(entry)}; ignored`);
    return [];
  });
}
