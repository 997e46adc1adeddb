import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeResourcesFit } from './node-resources-fit';
import { NodeResourcesBalancedAllocation } from './node-resources-balanced-allocation';
import { Cluster } from '../../test/scheduler/plugin-harness';
import { makeNode, makePod } from '../../test/scheduler/builders';

test('requests must fit allocatable minus what bound pods request', () => {
  const c = new Cluster(
    [makeNode('n').capacity({ cpu: '2', memory: '4Gi', 'ephemeral-storage': '10Gi', 'nvidia.com/gpu': '1' }).obj()],
    [makePod('busy').node('n').requests({ cpu: '1500m', memory: '1Gi' }).obj()],
  );
  const fit = new NodeResourcesFit();
  assert.equal(c.filter(fit, makePod('p').requests({ cpu: '500m', memory: '3Gi' }).obj(), 'n').code, 'Success');
  assert.deepEqual(c.filter(fit, makePod('p').requests({ cpu: '501m', memory: '3073Mi' }).obj(), 'n').reasons, ['Insufficient cpu', 'Insufficient memory']);
  assert.deepEqual(c.filter(fit, makePod('p').requests({ 'ephemeral-storage': '11Gi' }).obj(), 'n').reasons, ['Insufficient ephemeral-storage']);
  assert.deepEqual(c.filter(fit, makePod('p').requests({ 'nvidia.com/gpu': '2' }).obj(), 'n').reasons, ['Insufficient nvidia.com/gpu']);
});

test('init containers are counted as the max with the containers sum', () => {
  const c = new Cluster([makeNode('n').capacity({ cpu: '1' }).obj()]);
  const pod = makePod('p').requests({ cpu: '100m' }).initContainer({ name: 'i', resources: { requests: { cpu: '1100m' } } }).obj();
  assert.deepEqual(c.filter(new NodeResourcesFit(), pod, 'n').reasons, ['Insufficient cpu']);
});

test('the pod count is limited by allocatable pods, even for pods that request nothing', () => {
  const c = new Cluster([makeNode('n').capacity({ cpu: '1', pods: '1' }).obj()], [makePod('a').node('n').obj()]);
  assert.deepEqual(c.filter(new NodeResourcesFit(), makePod('p').obj(), 'n').reasons, ['Too many pods']);
});

test('LeastAllocated prefers free nodes, MostAllocated full ones', () => {
  const c = new Cluster(
    [makeNode('empty').capacity({ cpu: '4', memory: '4Gi' }).obj(), makeNode('half').capacity({ cpu: '4', memory: '4Gi' }).obj()],
    [makePod('x').node('half').requests({ cpu: '2', memory: '2Gi' }).obj()],
  );
  const pod = makePod('p').requests({ cpu: '1', memory: '1Gi' }).obj();
  // empty: (3/4 free) → 75 for both resources; half: 1/4 free → 25.
  assert.deepEqual(c.scores(new NodeResourcesFit(), pod), { empty: 75, half: 25 });
  assert.deepEqual(c.scores(new NodeResourcesFit({ scoringStrategy: { type: 'MostAllocated' } }), pod), { empty: 25, half: 75 });
});

test('BalancedAllocation prefers nodes where cpu and memory would be used alike', () => {
  const c = new Cluster([makeNode('a').capacity({ cpu: '4', memory: '4Gi' }).obj(), makeNode('b').capacity({ cpu: '4', memory: '16Gi' }).obj()]);
  const pod = makePod('p').requests({ cpu: '2', memory: '2Gi' }).obj();
  // a: 0.5 and 0.5 → 100; b: 0.5 and 0.125 → 1 - 0.1875 → 81.
  assert.deepEqual(c.scores(new NodeResourcesBalancedAllocation(), pod), { a: 100, b: 81 });
});
