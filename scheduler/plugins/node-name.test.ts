import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeName, REASON_NODE_NAME } from './node-name';
import { Cluster } from '../../test/scheduler/plugin-harness';
import { makeNode, makePod } from '../../test/scheduler/builders';

test('NodeName fits only the named node', () => {
  const c = new Cluster([makeNode('a').obj(), makeNode('b').obj()]);
  const plugin = new NodeName();
  const pod = makePod('p').node('a').obj();
  assert.equal(c.filter(plugin, pod, 'a').code, 'Success');
  assert.deepEqual(c.filter(plugin, pod, 'b').reasons, [REASON_NODE_NAME]);
  assert.equal(c.filter(plugin, makePod('any').obj(), 'b').code, 'Success');
});
