import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandPaths, parseManifestText, readManifests } from './manifests';

test('multi-document YAML, JSON and List kinds become objects; empty documents are skipped', () => {
  const yaml = parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# only a comment\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: s}}\n', 'f.yaml');
  assert.deepEqual(yaml.problems, []);
  assert.deepEqual(yaml.manifests.map((m) => `${m.object.kind}/${m.object.metadata.name}`), ['ConfigMap/a', 'Secret/s']);
  const json = parseManifestText('{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}', 'n.json');
  assert.equal(json.manifests[0].object.metadata.name, 'n');
});

test('syntax errors carry FILE:LINE:COLUMN; shape errors name the document', () => {
  const bad = parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: 1\n', 'bad.yaml');
  assert.equal(bad.manifests.length, 0);
  assert.match(bad.problems[0], /^bad\.yaml:\d+:\d+: /);
  const dup = parseManifestText('kind: A\nkind: B\n', 'dup.yaml');
  assert.match(dup.problems[0], /^dup\.yaml:2:1: Map keys must be unique/);
  const shape = parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n---\n- a\n---\nkind: Pod\n', 'shape.yaml');
  assert.deepEqual(shape.problems, [
    'shape.yaml: document 1: ConfigMap: metadata.name: Required value: name or generateName is required',
    'shape.yaml: document 2: expected an object (a mapping with apiVersion and kind), got a list',
    'shape.yaml: document 3: apiVersion not set',
  ]);
});

test('directories give their manifest files in lexical order, recursing only with -R', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kap-manifests-'));
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'b.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n');
    writeFileSync(join(dir, 'a.json'), '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}');
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    writeFileSync(join(dir, 'sub', 'c.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
    assert.deepEqual(expandPaths([dir], false), [join(dir, 'a.json'), join(dir, 'b.yaml')]);
    assert.deepEqual(expandPaths([dir], true), [join(dir, 'a.json'), join(dir, 'b.yaml'), join(dir, 'sub', 'c.yml')]);
    const read = await readManifests([dir, '-'], true, async () => 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stdin}\n');
    assert.deepEqual(read.manifests.map((m) => m.object.metadata.name), ['a', 'b', 'c', 'stdin']);
    assert.equal(read.manifests[3].source, 'STDIN');
    const missing = await readManifests([join(dir, 'nope.yaml')], false, async () => '');
    assert.match(missing.problems[0], /nope\.yaml" does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
