import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeUnschedulable, REASON_NODE_UNSCHEDULABLE } from './node-unschedulable';
import { Cluster } from '../../test/scheduler/plugin-harness';
import { makeNode, makePod } from '../../test/scheduler/builders';

test('NodeUnschedulable rejects cordoned nodes unless the pod tolerates the unschedulable taint', () => {
  const c = new Cluster([makeNode('open').obj(), makeNode('cordoned').unschedulable().obj()]);
  const plugin = new NodeUnschedulable();
  assert.equal(c.filter(plugin, makePod('p').obj(), 'open').code, 'Success');
  const s = c.filter(plugin, makePod('p').obj(), 'cordoned');
  assert.equal(s.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(s.reasons, [REASON_NODE_UNSCHEDULABLE]);
  const tolerant = makePod('t').toleration({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }).obj();
  assert.equal(c.filter(plugin, tolerant, 'cordoned').code, 'Success');
});
