import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeReady, REASON_NODE_NOT_READY } from './node-ready';
import { Cluster } from '../../test/scheduler/plugin-harness';
import { makeNode, makePod } from '../../test/scheduler/builders';

test('NodeReady takes only nodes whose Ready condition is True', () => {
  const c = new Cluster([makeNode('up').obj(), makeNode('down').notReady().obj(), makeNode('unknown').notReady('Unknown').obj()]);
  const plugin = new NodeReady();
  assert.equal(c.filter(plugin, makePod('p').obj(), 'up').code, 'Success');
  assert.deepEqual(c.filter(plugin, makePod('p').obj(), 'down').reasons, [REASON_NODE_NOT_READY]);
  assert.equal(c.filter(plugin, makePod('p').obj(), 'unknown').code, 'Unschedulable');
});
