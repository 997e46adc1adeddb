// Reading manifests for apply, create -f and delete -f: files, directories
// (with -R, recursively) and stdin; multi-document YAML and JSON; `kind: List`
// expanded. Every document of every file is parsed and checked before the
// caller sends anything, so one bad document means nothing is applied.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import YAML from 'yaml';
import type { KubeObject } from '../api/types';

export interface Manifest {
  /** The file it came from (`-` for stdin), for messages. */
  source: string;
  object: KubeObject;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Files named by -f: a file, `-`, or a directory's manifest files (recursively with -R). */
export function expandPaths(paths: readonly string[], recursive: boolean): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(p);
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new Error(`the path "${p}" does not exist`);
    }
    if (!st.isDirectory()) {
      out.push(p);
      continue;
    }
    const walk = (dir: string, depth: number) => {
      for (const name of readdirSync(dir).sort()) {
        const full = join(dir, name);
        const s = statSync(full);
        if (s.isDirectory()) {
          if (recursive) walk(full, depth + 1);
        } else if (MANIFEST_EXTENSIONS.has(extname(name).toLowerCase())) {
          out.push(full);
        }
      }
    };
    walk(p, 0);
  }
  return out;
}

/**
 * Parses one file's text into objects. Problems are returned (not thrown) as
 * `SOURCE:LINE:COLUMN: message` (syntax) or `SOURCE: document N: message`
 * (shape), all of them, so the user sees every mistake at once.
 */
export function parseManifestText(text: string, source: string): { manifests: Manifest[]; problems: string[] } {
  const manifests: Manifest[] = [];
  const problems: string[] = [];
  const docs = YAML.parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0];
        const message = e.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
        problems.push(pos ? `${source}:${pos.line}:${pos.col}: ${message}` : `${source}: ${message}`);
      }
      return;
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) return; // an empty document
    const where = list.length > 1 ? `${source}: document ${i + 1}` : source;
    for (const obj of expandList(value, where, problems)) manifests.push({ source, object: obj });
  });
  return { manifests, problems };
}

function expandList(value: unknown, where: string, problems: string[]): KubeObject[] {
  const problem = checkObject(value);
  if (problem) {
    problems.push(`${where}: ${problem}`);
    return [];
  }
  const obj = value as KubeObject;
  if (obj.kind === 'List' || (obj.kind.endsWith('List') && Array.isArray(obj.items))) {
    const items = Array.isArray(obj.items) ? obj.items : [];
    return items.flatMap((item, j) => expandList(item, `${where}: items[${j}]`, problems));
  }
  if (!obj.metadata?.name && !obj.metadata?.generateName) {
    problems.push(`${where}: ${obj.kind}: metadata.name: Required value: name or generateName is required`);
    return [];
  }
  return [obj];
}

function checkObject(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `expected an object (a mapping with apiVersion and kind), got ${Array.isArray(value) ? 'a list' : typeof value}`;
  }
  const o = value as Record<string, unknown>;
  const missing = ['apiVersion', 'kind'].filter((k) => typeof o[k] !== 'string' || o[k] === '');
  if (missing.length) return `${missing.map((k) => `${k} not set`).join(', ')}`;
  if (o.metadata !== undefined && (typeof o.metadata !== 'object' || o.metadata === null || Array.isArray(o.metadata))) {
    return 'metadata must be a mapping';
  }
  if (o.metadata === undefined) o.metadata = {};
  return undefined;
}

/** Reads and parses every named file; stdin is read once through `readStdin`. */
export async function readManifests(
  paths: readonly string[],
  recursive: boolean,
  readStdin: () => Promise<string>,
): Promise<{ manifests: Manifest[]; problems: string[] }> {
  const manifests: Manifest[] = [];
  const problems: string[] = [];
  let files: string[];
  try {
    files = expandPaths(paths, recursive);
  } catch (err) {
    return { manifests, problems: [(err as Error).message] };
  }
  if (files.length === 0) problems.push(`no objects passed to apply: no manifest files in ${paths.join(', ')}`);
  for (const file of files) {
    let text: string;
    try {
      text = file === '-' ? await readStdin() : readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message}`);
      continue;
    }
    const parsed = parseManifestText(text, file === '-' ? 'STDIN' : file);
    manifests.push(...parsed.manifests);
    problems.push(...parsed.problems);
  }
  return { manifests, problems };
}
