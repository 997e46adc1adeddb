// Reading a compose file: YAML (with `<<:` merge keys, as Compose allows),
// syntax errors as FILE:LINE:COLUMN like kctl, `${VAR}` interpolation from the
// process environment over a `.env` file beside the compose file, and the
// project name.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import { parseEnvFile, EnvFileError } from './env-file';
import { interpolateTree, InterpolationError } from './interpolate';
import { ComposeError, type ComposeProject, type ComposeService } from './project';

/** The names `docker compose` looks for in a directory, in its order. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

/** The compose file in `dir`, or undefined when there is none. */
export function findComposeFile(dir: string): string | undefined {
  for (const name of COMPOSE_FILE_NAMES) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Whether `path` is a compose file rather than Kubernetes manifests: a
 * compose file name (compose.yaml, docker-compose.prod.yml, ...), or a YAML
 * mapping with `services:` and no `kind:`.
 */
export function looksLikeComposeFile(path: string): boolean {
  if (/(^|[-_.])compose(\.[\w-]+)?\.ya?ml$/i.test(basename(path))) return true;
  try {
    const first = YAML.parseAllDocuments(readFileSync(path, 'utf8'))[0];
    const value = first && !Array.isArray(first) && first.errors.length === 0 ? (first.toJS() as unknown) : undefined;
    return isMapping(value) && 'services' in value && !('kind' in value);
  } catch {
    return false;
  }
}

export interface LoadOptions {
  /** The environment to interpolate from; default process.env. It wins over `.env`, as in Compose. */
  env?: Record<string, string | undefined>;
}

export function loadComposeFile(path: string, options: LoadOptions = {}): ComposeProject {
  const file = resolve(path);
  const workingDir = dirname(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ComposeError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true, merge: true });
  if (doc.errors.length > 0) {
    throw new ComposeError(doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const message = e.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
      return pos ? `${file}:${pos.line}:${pos.col}: ${message}` : `${file}: ${message}`;
    }).join('\n'));
  }
  const parsed = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (!isMapping(parsed)) throw new ComposeError(`${file}: the top level must be a mapping with "services:"`);

  const environment = readEnvironment(workingDir, options.env ?? process.env);
  const unset = new Set<string>();
  let tree: Record<string, unknown>;
  try {
    tree = interpolateTree(parsed, (n) => environment[n], (n) => unset.add(n)) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof InterpolationError) throw new ComposeError(`${file}: ${e.message}`);
    throw e;
  }
  const warnings = [...unset].map((n) => `the "${n}" variable is not set; defaulting to a blank string`);

  const services = tree.services ?? {};
  if (!isMapping(services)) throw new ComposeError(`${file}: services must be a mapping`);
  for (const [name, svc] of Object.entries(services)) {
    if (svc === null) services[name] = {};
    else if (!isMapping(svc)) throw new ComposeError(`${file}: services.${name} must be a mapping`);
  }
  const volumes = tree.volumes ?? {};
  if (!isMapping(volumes)) throw new ComposeError(`${file}: volumes must be a mapping`);

  const rawName = typeof tree.name === 'string' && tree.name !== '' ? tree.name : environment.COMPOSE_PROJECT_NAME || basename(workingDir);
  const name = normaliseProjectName(rawName);
  if (name === '') throw new ComposeError(`${file}: project name ${JSON.stringify(rawName)} has no usable characters; set "name:"`);
  return {
    name,
    file,
    workingDir,
    services: services as Record<string, ComposeService>,
    volumes: volumes as ComposeProject['volumes'],
    topLevel: tree,
    environment,
    warnings,
  };
}

/** Compose keeps lowercase letters, digits, `_` and `-`, starting with a letter or digit. */
export function normaliseProjectName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
}

function readEnvironment(dir: string, env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  const dotEnv = join(dir, '.env');
  if (existsSync(dotEnv)) {
    try {
      for (const [k, v] of parseEnvFile(readFileSync(dotEnv, 'utf8'), dotEnv, (n) => env[n])) out[k] = v;
    } catch (e) {
      if (e instanceof EnvFileError || e instanceof InterpolationError) throw new ComposeError(e.message);
      throw e;
    }
  }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
