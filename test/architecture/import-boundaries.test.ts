// Components meet only through the API: none imports another. api/ is the
// bottom layer, client/ sits on it, and only cmd/ (and tests) compose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');

/** What each top-level folder may import from (besides itself and npm packages). */
const ALLOWED: Record<string, string[]> = {
  api: [],
  proto: [],
  client: ['api', 'proto'],
  apiserver: ['api', 'client', 'proto'],
  scheduler: ['api', 'client'],
  controllers: ['api', 'client'],
  'node-agent': ['api', 'client', 'proto'],
  kctl: ['api', 'client'],
};

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'generated-do-not-scan') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

test('no component imports another component', () => {
  const violations: string[] = [];
  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    let files: string[];
    try {
      files = sources(join(ROOT, layer));
    } catch {
      continue; // the folder does not exist yet
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = relative(ROOT, resolve(dirname(file), m[1]));
        const top = target.split('/')[0];
        if (top !== layer && !allowed.includes(top)) violations.push(`${relative(ROOT, file)} imports ${target}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});
