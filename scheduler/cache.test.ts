import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerCache } from './cache';
import { makeNode, makePod } from '../test/scheduler/builders';

test('an assumed pod counts on its node at once and is forgotten when its binding fails', () => {
  const cache = new SchedulerCache();
  cache.addOrUpdateNode(makeNode('n1').capacity({ cpu: '2', memory: '1Gi' }).obj());
  const pod = makePod('p').requests({ cpu: '1500m', memory: '256Mi' }).obj();
  cache.assumePod(pod, 'n1');
  const n1 = cache.getNode('n1')!;
  assert.equal(n1.requested.milliCPU, 1500);
  assert.equal(n1.requested.memory, 256 * 1024 * 1024);
  assert.equal(cache.isAssumed(pod), true);
  cache.forgetPod(pod);
  assert.equal(n1.requested.milliCPU, 0);
  assert.equal(n1.pods.size, 0);
});

test('the watch confirms an assumption without counting the pod twice', () => {
  const cache = new SchedulerCache();
  cache.addOrUpdateNode(makeNode('n1').capacity({ cpu: '2' }).obj());
  const pod = makePod('p').requests({ cpu: '1' }).obj();
  cache.assumePod(pod, 'n1');
  cache.addOrUpdatePod({ ...pod, spec: { ...pod.spec, nodeName: 'n1' } });
  assert.equal(cache.getNode('n1')!.requested.milliCPU, 1000);
  assert.equal(cache.isAssumed(pod), false);
  cache.forgetPod(pod); // confirmed pods are not forgotten
  assert.equal(cache.getNode('n1')!.pods.size, 1);
  cache.removePod(pod);
  assert.equal(cache.getNode('n1')!.requested.milliCPU, 0);
});

test('pods bound to a node not yet seen are kept until the node arrives', () => {
  const cache = new SchedulerCache();
  cache.addOrUpdatePod(makePod('early').node('n9').requests({ cpu: '1' }).obj());
  assert.equal(cache.nodes().length, 0);
  cache.addOrUpdateNode(makeNode('n9').capacity({ cpu: '4' }).obj());
  assert.equal(cache.nodes().length, 1);
  assert.equal(cache.getNode('n9')!.requested.milliCPU, 1000);
  cache.removeNode('n9');
  assert.equal(cache.nodes().length, 0);
});

test('image counts follow node updates', () => {
  const cache = new SchedulerCache();
  cache.addOrUpdateNode(makeNode('a').image('nginx:1.25', 100).obj());
  cache.addOrUpdateNode(makeNode('b').image('nginx:1.25', 100).obj());
  assert.equal(cache.nodesWithImage('nginx:1.25'), 2);
  cache.addOrUpdateNode(makeNode('b').obj());
  assert.equal(cache.nodesWithImage('nginx:1.25'), 1);
});

test("NodeInfo's flat copies for the filters follow node updates, pods and node removal", () => {
  const cache = new SchedulerCache();
  cache.addOrUpdateNode(makeNode('n1').capacity({ cpu: '4', memory: '1Gi', pods: '3' }).label('zone', 'a').obj());
  const n1 = cache.getNode('n1')!;
  assert.deepEqual([n1.ready, n1.unschedulable, n1.taints, n1.labels.zone, n1.allowedPodNumber], [true, false, undefined, 'a', 3]);
  const pod = makePod('p').requests({ cpu: '1500m', memory: '256Mi' }).obj();
  cache.assumePod(pod, 'n1');
  assert.deepEqual([n1.podCount, n1.freeMilliCPU, n1.freeMemory, n1.requestedMilliCPU, n1.nonZeroRequestedMemory], [1, 2500, 768 * 1024 * 1024, 1500, 256 * 1024 * 1024]);
  cache.addOrUpdateNode(makeNode('n1').capacity({ cpu: '8', memory: '1Gi' }).taint('k', 'v').unschedulable().notReady().obj());
  assert.deepEqual([n1.ready, n1.unschedulable, n1.taints?.length, n1.labels.zone, n1.allocatableMilliCPU, n1.freeMilliCPU], [false, true, 1, undefined, 8000, 6500]);
  cache.forgetPod(pod);
  assert.deepEqual([n1.podCount, n1.freeMilliCPU, n1.requestedMemory], [0, 8000, 0]);
  cache.addOrUpdatePod(makePod('bound').node('n1').obj());
  cache.removeNode('n1');
  assert.deepEqual([n1.ready, n1.unschedulable, n1.taints, n1.labels], [false, false, undefined, {}]);
});
