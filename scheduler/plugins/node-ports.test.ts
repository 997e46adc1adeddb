import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodePorts, REASON_NODE_PORTS } from './node-ports';
import { Cluster } from '../../test/scheduler/plugin-harness';
import { makeNode, makePod } from '../../test/scheduler/builders';

test('host ports conflict on the same protocol and port unless both name different addresses', () => {
  const c = new Cluster(
    [makeNode('a').obj(), makeNode('b').obj()],
    [makePod('web').node('a').hostPort(8080).obj(), makePod('dns').node('b').hostPort(53, 'UDP', '10.0.0.1').obj()],
  );
  const plugin = new NodePorts();
  assert.deepEqual(c.filter(plugin, makePod('p').hostPort(8080).obj(), 'a').reasons, [REASON_NODE_PORTS]);
  assert.equal(c.filter(plugin, makePod('p').hostPort(8080, 'UDP').obj(), 'a').code, 'Success');
  assert.equal(c.filter(plugin, makePod('p').hostPort(8080).obj(), 'b').code, 'Success');
  assert.equal(c.filter(plugin, makePod('p').hostPort(53, 'UDP', '10.0.0.2').obj(), 'b').code, 'Success');
  assert.equal(c.filter(plugin, makePod('p').hostPort(53, 'UDP').obj(), 'b').code, 'Unschedulable', 'the wildcard conflicts with any address');
  assert.equal(c.filter(plugin, makePod('p').obj(), 'a').code, 'Skip');
});

test('a removed pod frees its port', () => {
  const web = makePod('web').node('a').hostPort(80).obj();
  const c = new Cluster([makeNode('a').obj()], [web]);
  c.cache.removePod(web);
  assert.equal(c.filter(new NodePorts(), makePod('p').hostPort(80).obj(), 'a').code, 'Success');
});
