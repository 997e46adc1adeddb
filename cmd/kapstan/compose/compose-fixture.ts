// Test helper: compose files (and files beside them) in a temporary directory.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KubeObject } from '../../../api/types';
import { applyDefaults } from '../../../api/defaults';
import { validateObject } from '../../../api/validation';
import { convertCompose, type ConvertOptions, type ConvertResult } from './convert';
import { loadComposeFile } from './load';

export class ComposeFixture {
  readonly root = mkdtempSync(join(tmpdir(), 'kap-compose-'));

  /** Writes `files` (path relative to a project directory → text) and returns the compose file's path. */
  project(dirName: string, files: Record<string, string>): string {
    const dir = join(this.root, dirName);
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    return join(dir, 'compose.yaml');
  }

  /** Loads and converts a compose.yaml given as text, with an empty environment unless `env` is given. */
  convert(composeText: string, options: ConvertOptions & { env?: Record<string, string>; files?: Record<string, string> } = {}): ConvertResult {
    const file = this.project(`p${++this.count}`, { 'compose.yaml': composeText, ...options.files });
    return convertCompose(loadComposeFile(file, { env: options.env ?? {} }), options);
  }

  private count = 0;

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export function find(objects: KubeObject[], kind: string, name: string): any {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} among ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}

/** The pod spec of a Deployment or Pod. */
export function podSpecOf(o: any): any {
  return o.kind === 'Deployment' ? o.spec.template.spec : o.spec;
}

/** What the apiserver would say about each object: validation causes after defaulting, keyed by kind/name. */
export function validationProblems(objects: KubeObject[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const o of objects) {
    const causes = validateObject(applyDefaults(structuredClone(o)));
    if (causes.length) out[`${o.kind}/${o.metadata.name}`] = causes;
  }
  return out;
}
