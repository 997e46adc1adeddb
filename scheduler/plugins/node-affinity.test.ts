import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeAffinity, REASON_NODE_AFFINITY } from './node-affinity';
import { Cluster } from '../../test/scheduler/plugin-harness';
import { makeNode, makePod } from '../../test/scheduler/builders';

const cluster = () =>
  new Cluster([
    makeNode('ssd-east').label('disk', 'ssd').label('zone', 'east').label('cores', '16').obj(),
    makeNode('hdd-west').label('disk', 'hdd').label('zone', 'west').label('cores', '4').obj(),
    makeNode('bare').obj(),
  ]);

function fits(c: Cluster, pod: ReturnType<ReturnType<typeof makePod>['obj']>): string[] {
  const plugin = new NodeAffinity();
  return ['ssd-east', 'hdd-west', 'bare'].filter((n) => c.filter(plugin, pod, n).code === 'Success');
}

test('a pod without selector or affinity skips the filter', () => {
  assert.equal(cluster().filter(new NodeAffinity(), makePod('p').obj(), 'bare').code, 'Skip');
});

test('nodeSelector requires every label', () => {
  const c = cluster();
  assert.deepEqual(fits(c, makePod('p').nodeSelector({ disk: 'ssd' }).obj()), ['ssd-east']);
  assert.deepEqual(fits(c, makePod('p').nodeSelector({ disk: 'ssd', zone: 'west' }).obj()), []);
  const s = c.filter(new NodeAffinity(), makePod('p').nodeSelector({ disk: 'ssd' }).obj(), 'bare');
  assert.deepEqual(s.reasons, [REASON_NODE_AFFINITY]);
});

test('required affinity supports every operator', () => {
  const c = cluster();
  const with_ = (...e: Parameters<ReturnType<typeof makePod>['requiredNodeAffinity']>) => fits(c, makePod('p').requiredNodeAffinity(...e).obj());
  assert.deepEqual(with_({ key: 'zone', operator: 'In', values: ['east', 'north'] }), ['ssd-east']);
  assert.deepEqual(with_({ key: 'zone', operator: 'NotIn', values: ['east'] }), ['hdd-west', 'bare']);
  assert.deepEqual(with_({ key: 'disk', operator: 'Exists' }), ['ssd-east', 'hdd-west']);
  assert.deepEqual(with_({ key: 'disk', operator: 'DoesNotExist' }), ['bare']);
  assert.deepEqual(with_({ key: 'cores', operator: 'Gt', values: ['8'] }), ['ssd-east']);
  assert.deepEqual(with_({ key: 'cores', operator: 'Lt', values: ['8'] }), ['hdd-west']);
  assert.deepEqual(with_({ key: 'cores', operator: 'Gt', values: ['x'] }), [], 'a non-integer bound matches nothing');
});

test('terms are ORed, expressions within a term ANDed, matchFields by name', () => {
  const c = cluster();
  const pod = makePod('p')
    .requiredNodeAffinity({ key: 'disk', operator: 'In', values: ['ssd'] }, { key: 'zone', operator: 'In', values: ['west'] })
    .requiredNodeAffinity({ key: 'cores', operator: 'Lt', values: ['8'] })
    .obj();
  assert.deepEqual(fits(c, pod), ['hdd-west']);
  const byName = makePod('n').obj();
  byName.spec.affinity = {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['bare'] }] }] } },
  };
  assert.deepEqual(fits(c, byName), ['bare']);
});

test('nodeSelector and required affinity must both hold', () => {
  const pod = makePod('p').nodeSelector({ disk: 'ssd' }).requiredNodeAffinity({ key: 'zone', operator: 'In', values: ['west'] }).obj();
  assert.deepEqual(fits(cluster(), pod), []);
});

test('preferred terms score by summed weight, normalized to 100', () => {
  const pod = makePod('p')
    .preferredNodeAffinity(80, { key: 'disk', operator: 'In', values: ['ssd'] })
    .preferredNodeAffinity(20, { key: 'zone', operator: 'Exists' })
    .obj();
  assert.deepEqual(cluster().scores(new NodeAffinity(), pod), { 'ssd-east': 100, 'hdd-west': 20, bare: 0 });
});
