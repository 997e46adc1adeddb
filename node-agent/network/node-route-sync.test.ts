import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeList } from './node-route-sync';
import { vtepMac } from './vxlan-routes';

const node = (name: string, podCIDR: string) => ({ metadata: { name }, spec: { podCIDR } });

test('NodeList: a stream\'s list replaces the view only at its SYNC; later events apply one by one', () => {
  const list = new NodeList();
  assert.equal(list.apply({ type: 'ADDED', node: node('a', '10.244.1.0/24') }), false);
  assert.equal(list.synced, false);
  assert.equal(list.apply({ type: 'SYNC' }), true);
  assert.deepEqual(list.nodes().map((n) => n.metadata.name), ['a']);
  assert.equal(list.apply({ type: 'ADDED', node: node('b', '10.244.2.0/24') }), true);
  assert.equal(list.apply({ type: 'MODIFIED', node: node('b', '10.244.3.0/24') }), true);
  assert.deepEqual(list.nodes().map((n) => n.spec?.podCIDR), ['10.244.1.0/24', '10.244.3.0/24']);

  // A new stream (reconnect) lists only b: a is dropped at its SYNC, and not before.
  list.restart();
  assert.equal(list.apply({ type: 'ADDED', node: node('b', '10.244.3.0/24') }), false);
  assert.deepEqual(list.nodes().map((n) => n.metadata.name), ['a', 'b']);
  list.apply({ type: 'SYNC' });
  assert.deepEqual(list.nodes().map((n) => n.metadata.name), ['b']);
  assert.equal(list.apply({ type: 'DELETED', node: node('b', '10.244.3.0/24') }), true);
  assert.deepEqual(list.nodes(), []);
  assert.equal(list.apply({ type: 'ADDED' }), false, 'an event without a node changes nothing');
});

test('vtepMac: locally administered unicast, from the node IP', () => {
  assert.equal(vtepMac('10.250.0.139'), '0e:6b:0a:fa:00:8b');
});
