// How endpoints are packed into slices: at most 100 per slice, existing
// slices kept where possible, only changed slices written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSlices, SliceEndpoint, SlicePort } from './endpointslice-plan';

const http: SlicePort[] = [{ name: 'http', port: 8080, protocol: 'TCP' }];

function ep(i: number, ready = true): SliceEndpoint {
  return {
    addresses: [`10.244.${Math.floor(i / 250)}.${(i % 250) + 1}`],
    conditions: { ready, serving: ready, terminating: false },
    targetRef: { kind: 'Pod', namespace: 'ns', name: `pod-${i}`, uid: `uid-${String(i).padStart(4, '0')}` },
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ep(from + i));

test('250 endpoints and no slices: three new slices of 100, 100 and 50', () => {
  const plan = planSlices([], [{ addressType: 'IPv4', ports: http, endpoints: range(0, 250) }]);
  assert.deepEqual(plan.create.map((c) => c.endpoints.length), [100, 100, 50]);
  assert.deepEqual(plan.update, []);
  assert.deepEqual(plan.delete, []);
  const all = new Set(plan.create.flatMap((c) => c.endpoints.map((e) => e.targetRef!.uid)));
  assert.equal(all.size, 250, 'every endpoint in exactly one slice');
});

test('one endpoint gone and one new: only the slice that lost one is written, and it takes the new one', () => {
  const a = { name: 'a', addressType: 'IPv4', ports: http, endpoints: range(0, 100) };
  const b = { name: 'b', addressType: 'IPv4', ports: http, endpoints: range(100, 200) };
  const desired = [...range(0, 200).filter((e) => e.targetRef!.name !== 'pod-5'), ep(500)];
  const plan = planSlices([a, b], [{ addressType: 'IPv4', ports: http, endpoints: desired }]);
  assert.deepEqual(plan.create, []);
  assert.deepEqual(plan.unchanged, ['b']);
  assert.equal(plan.update.length, 1);
  assert.equal(plan.update[0].name, 'a');
  const names = plan.update[0].content.endpoints.map((e) => e.targetRef!.name);
  assert.ok(names.includes('pod-500') && !names.includes('pod-5'));
  assert.equal(names.length, 100);
});

test('a condition change rewrites only the slice holding that endpoint', () => {
  const a = { name: 'a', addressType: 'IPv4', ports: http, endpoints: range(0, 100) };
  const b = { name: 'b', addressType: 'IPv4', ports: http, endpoints: range(100, 150) };
  const desired = range(0, 150).map((e) => (e.targetRef!.name === 'pod-120' ? ep(120, false) : e));
  const plan = planSlices([a, b], [{ addressType: 'IPv4', ports: http, endpoints: desired }]);
  assert.deepEqual(plan.unchanged, ['a']);
  assert.deepEqual(plan.update.map((u) => u.name), ['b']);
  assert.equal(plan.update[0].content.endpoints.find((e) => e.targetRef!.name === 'pod-120')!.conditions.ready, false);
});

test('no endpoints: one empty placeholder, kept as is; endpoints then reuse it', () => {
  const empty = planSlices([], []);
  assert.deepEqual(empty.create, [{ addressType: 'IPv4', ports: [], endpoints: [] }]);
  const placeholder = { name: 'p', addressType: 'IPv4', ports: [], endpoints: [] };
  assert.deepEqual(planSlices([placeholder], []), { create: [], update: [], delete: [], unchanged: ['p'] });
  const filled = planSlices([placeholder], [{ addressType: 'IPv4', ports: http, endpoints: range(0, 3) }]);
  assert.deepEqual(filled.create, []);
  assert.deepEqual(filled.delete, []);
  assert.equal(filled.update[0].name, 'p');
  assert.equal(filled.update[0].content.endpoints.length, 3);
});

test('a changed port set moves endpoints into a reused slice; surplus old slices are deleted', () => {
  const a = { name: 'a', addressType: 'IPv4', ports: http, endpoints: range(0, 100) };
  const b = { name: 'b', addressType: 'IPv4', ports: http, endpoints: range(100, 120) };
  const https: SlicePort[] = [{ name: 'https', port: 8443, protocol: 'TCP' }];
  const plan = planSlices([a, b], [{ addressType: 'IPv4', ports: https, endpoints: range(0, 20) }]);
  assert.deepEqual(plan.create, []);
  assert.equal(plan.update.length, 1);
  assert.deepEqual(plan.update[0].content.ports, https);
  assert.equal(plan.delete.length, 1);
});
