import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TaintToleration } from './taint-toleration';
import { toleratesTaint } from './tolerations';
import { Cluster } from '../../test/scheduler/plugin-harness';
import { makeNode, makePod } from '../../test/scheduler/builders';

test('NoSchedule and NoExecute taints need a toleration; the reason names the taint', () => {
  const c = new Cluster([makeNode('gpu').taint('dedicated', 'gpu').obj(), makeNode('evict').taint('maint', undefined, 'NoExecute').obj()]);
  const plugin = new TaintToleration();
  const s = c.filter(plugin, makePod('p').obj(), 'gpu');
  assert.equal(s.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(s.reasons, ['node(s) had untolerated taint {dedicated: gpu}']);
  assert.deepEqual(c.filter(plugin, makePod('p').obj(), 'evict').reasons, ['node(s) had untolerated taint {maint: }']);
  const tolerant = makePod('t').toleration({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }).obj();
  assert.equal(c.filter(plugin, tolerant, 'gpu').code, 'Success');
  const wrongValue = makePod('w').toleration({ key: 'dedicated', operator: 'Equal', value: 'cpu' }).obj();
  assert.equal(c.filter(plugin, wrongValue, 'gpu').code, 'UnschedulableAndUnresolvable');
});

test('PreferNoSchedule does not filter, it scores', () => {
  const c = new Cluster([
    makeNode('clean').obj(),
    makeNode('one').taint('a', 'x', 'PreferNoSchedule').obj(),
    makeNode('two').taint('a', 'x', 'PreferNoSchedule').taint('b', 'y', 'PreferNoSchedule').obj(),
  ]);
  const plugin = new TaintToleration();
  assert.equal(c.filter(plugin, makePod('p').obj(), 'two').code, 'Success');
  assert.deepEqual(c.scores(plugin, makePod('p').obj()), { clean: 100, one: 50, two: 0 });
  const tolerant = makePod('t').toleration({ key: 'b', operator: 'Exists', effect: 'PreferNoSchedule' }).obj();
  assert.deepEqual(c.scores(plugin, tolerant), { clean: 100, one: 0, two: 0 });
});

test('toleration matching follows Kubernetes', () => {
  const taint = { key: 'k', value: 'v', effect: 'NoSchedule' as const };
  assert.equal(toleratesTaint({ operator: 'Exists' }, taint), true, 'empty key with Exists tolerates everything');
  assert.equal(toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint), false, 'effect must match when set');
  assert.equal(toleratesTaint({ key: 'k', value: 'v' }, taint), true, 'operator defaults to Equal');
  assert.equal(toleratesTaint({ key: 'other', operator: 'Exists' }, taint), false);
});
