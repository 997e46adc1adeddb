import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagSpec, parseArgs } from './flags';
import { TableWriter } from './table-writer';
import { deleteOptions } from './delete';
import { withLastApplied, applyPatchFor, LAST_APPLIED_ANNOTATION } from './apply';

const specs: FlagSpec[] = [
  { name: 'namespace', short: 'n', type: 'string', help: '' },
  { name: 'output', short: 'o', type: 'string', help: '' },
  { name: 'filename', short: 'f', type: 'strings', help: '' },
  { name: 'watch', short: 'w', type: 'bool', help: '' },
  { name: 'wait', type: 'bool', default: true, help: '' },
  { name: 'grace-period', type: 'int', default: -1, help: '' },
];

test('flags in every kubectl spelling', () => {
  const p = parseArgs(['get', '-nkube-system', '-o=yaml', 'pods', '--watch', '-f', 'a', '--filename=b', '--wait=false', '--grace-period', '5', '--', '-x'], specs);
  assert.deepEqual(p.positionals, ['get', 'pods', '-x']);
  assert.deepEqual(p.flags, { namespace: 'kube-system', output: 'yaml', watch: true, filename: ['a', 'b'], wait: false, 'grace-period': 5 });
  assert.ok(p.set.has('namespace') && !p.set.has('missing'));
  assert.throws(() => parseArgs(['--nope'], specs), /unknown flag: --nope/);
  assert.throws(() => parseArgs(['-n'], specs), /flag needs an argument/);
  assert.throws(() => parseArgs(['--grace-period', 'x'], specs), /not an integer/);
});

test('tables are laid out like Go tabwriter (min width 6, padding 3, last column unpadded)', () => {
  const w = new TableWriter();
  assert.equal(w.format([['NAME', 'READY', 'AGE'], ['web-1234567', '1/1', '5m']]), 'NAME          READY   AGE\nweb-1234567   1/1     5m\n');
  // Remembered widths: a later, narrower row keeps the earlier alignment.
  assert.equal(w.format([['x', 'y', 'z']]), 'x             y       z\n');
});

test('delete options from --cascade, --grace-period and --now', () => {
  assert.deepEqual(deleteOptions({ cascade: 'foreground', 'grace-period': -1 }), { propagationPolicy: 'Foreground' });
  assert.deepEqual(deleteOptions({ cascade: 'orphan', 'grace-period': 0 }), { propagationPolicy: 'Orphan', gracePeriodSeconds: 0 });
  assert.deepEqual(deleteOptions({ now: true }), { propagationPolicy: 'Background', gracePeriodSeconds: 1 });
  assert.throws(() => deleteOptions({ cascade: 'sideways' }), /invalid cascade value/);
});

test('client-side apply: the annotation holds the manifest; the patch deletes what the file dropped', () => {
  const v1 = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1', b: '2' } }, data: { x: '1', y: '2' } };
  const applied = withLastApplied(v1);
  assert.equal(applied.metadata.annotations?.[LAST_APPLIED_ANNOTATION], JSON.stringify({ apiVersion: 'v1', data: { x: '1', y: '2' }, kind: 'ConfigMap', metadata: { labels: { a: '1', b: '2' }, name: 'c' } }) + '\n');
  const live = { ...applied, metadata: { ...applied.metadata, uid: 'u1', resourceVersion: '5', labels: { ...v1.metadata.labels, added: 'by-someone' } } };
  assert.deepEqual(applyPatchFor(v1, live).patch, {});
  const v2 = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1' } }, data: { x: '1' } };
  const { patch, contentType } = applyPatchFor(v2, live);
  assert.equal(contentType, 'application/strategic-merge-patch+json');
  assert.deepEqual(patch, {
    data: { y: null },
    metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: withLastApplied(v2).metadata.annotations![LAST_APPLIED_ANNOTATION] }, labels: { b: null } },
  });
  const custom = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 2 } };
  assert.equal(applyPatchFor(custom, { ...withLastApplied(custom), spec: { size: 1 } }).contentType, 'application/merge-patch+json');
});
