import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceState } from './service-state';

const svc = (name: string) => ({ metadata: { namespace: 'default', name }, spec: { clusterIP: '10.96.0.1', ports: [{ port: 80 }] } });

test('service state: a stream’s list replaces the view at SYNC, later events apply one by one', () => {
  const state = new ServiceState();
  assert.equal(state.apply({ type: 'ADDED', kind: 'Service', object: svc('a') }), false);
  assert.equal(state.synced, false);
  assert.deepEqual(state.services(), []);
  assert.equal(state.apply({ type: 'SYNC' }), true);
  assert.deepEqual(state.services().map((s) => s.metadata.name), ['a']);
  assert.equal(state.apply({ type: 'ADDED', kind: 'Service', object: svc('b') }), true);
  assert.equal(state.apply({ type: 'ADDED', kind: 'Endpoints', object: { metadata: { namespace: 'default', name: 'b' }, subsets: [] } }), true);
  assert.equal(state.endpoints().length, 1);
  assert.equal(state.apply({ type: 'DELETED', kind: 'Service', object: svc('a') }), true);
  assert.deepEqual(state.services().map((s) => s.metadata.name), ['b']);

  // Reconnected: the old view stays until the new list is complete; what it lacks is gone after SYNC.
  state.restart();
  assert.equal(state.apply({ type: 'ADDED', kind: 'Service', object: svc('c') }), false);
  assert.deepEqual(state.services().map((s) => s.metadata.name), ['b']);
  state.apply({ type: 'SYNC' });
  assert.deepEqual(state.services().map((s) => s.metadata.name), ['c']);
  assert.deepEqual(state.endpoints(), []);
});
