import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPlacement, numFeasibleNodesToFind, selectHost } from './find-placement';
import { CycleState } from './framework/cycle-state';
import { Framework } from './framework/framework';
import { inTreeRegistry } from './plugins/registry';
import { Cluster } from '../test/scheduler/plugin-harness';
import { makeNode, makePod } from '../test/scheduler/builders';

test('small clusters are searched fully; large ones until enough feasible nodes are found', () => {
  assert.equal(numFeasibleNodesToFind(50), 50);
  assert.equal(numFeasibleNodesToFind(1000), 420); // 50 − 1000/125 = 42 %
  assert.equal(numFeasibleNodesToFind(5000), 500); // 10 %
  assert.equal(numFeasibleNodesToFind(10_000), 500); // the 5 % floor
  assert.equal(numFeasibleNodesToFind(1000, 100), 1000);
});

test('the highest score wins; ties are broken at random', () => {
  assert.equal(selectHost([1, 5, 3], () => 0.99), 1);
  assert.equal(selectHost([5, 5], () => 0.1), 1);
  assert.equal(selectHost([5, 5], () => 0.9), 0);
});

test('the preferred node wins when all fit', () => {
  const c = new Cluster([makeNode('a').label('zone', 'x').obj(), makeNode('b').label('zone', 'y').obj(), makeNode('c').obj()]);
  const pod = makePod('p').preferredNodeAffinity(100, { key: 'zone', operator: 'In', values: ['y'] }).obj();
  const r = c.place(pod);
  assert.equal(r.kind === 'fit' && r.nodeName, 'b');
});

test('no nodes at all is unschedulable with the zero-node message', () => {
  const r = new Cluster().place(makePod('p').obj());
  assert.equal(r.kind === 'unschedulable' && r.message, '0/0 nodes are available.');
});

test('room reserved for a nominated pod of equal or higher priority is not taken', () => {
  const c = new Cluster([makeNode('n').capacity({ cpu: '2' }).obj()]);
  const preemptor = makePod('preemptor').priority(100).requests({ cpu: '1500m' }).obj();
  c.cache.nominate(preemptor, 'n');
  const fw = new Framework({}, inTreeRegistry(), c.handle);
  const place = (pod: ReturnType<ReturnType<typeof makePod>['obj']>) =>
    findPlacement(fw, new CycleState(), pod, c.cache.nodes(), {
      nominatedPods: (node, p) => c.cache.nominatedPods(node, p.spec.priority ?? 0, p),
    });
  assert.equal(place(makePod('low').priority(0).requests({ cpu: '1' }).obj()).kind, 'unschedulable');
  assert.equal(place(makePod('higher').priority(200).requests({ cpu: '1' }).obj()).kind, 'fit');
  assert.equal(place(preemptor).kind, 'fit', 'the nominated pod does not block itself');
  c.cache.clearNomination(preemptor);
  assert.equal(place(makePod('low').priority(0).requests({ cpu: '1' }).obj()).kind, 'fit');
});
