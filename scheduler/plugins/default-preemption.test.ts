import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickCandidate, selectVictims } from './default-preemption';
import { CycleState } from '../framework/cycle-state';
import { Framework } from '../framework/framework';
import { inTreeRegistry } from './registry';
import { Cluster } from '../../test/scheduler/plugin-harness';
import { makeNode, makePod } from '../../test/scheduler/builders';
import type { Pod } from '../api-types';

/** The default profile's filters for `pod`, as preemption runs them. */
function simulator(c: Cluster, pod: Pod) {
  const fw = new Framework({}, inTreeRegistry(), c.handle);
  const state = new CycleState();
  const pre = fw.runPreFilter(state, pod);
  return fw.simulator(state, pod, pre.skip);
}

test('victims are the fewest, least important lower-priority pods that make room', () => {
  const c = new Cluster(
    [makeNode('n').capacity({ cpu: '4' }).obj()],
    [
      makePod('low-big').node('n').priority(1).requests({ cpu: '2' }).obj(),
      makePod('low-small').node('n').priority(1).requests({ cpu: '1' }).obj(),
      makePod('mid').node('n').priority(5).requests({ cpu: '1' }).obj(),
      makePod('high').node('n').priority(100).obj(),
    ],
  );
  const pod = makePod('p').priority(10).requests({ cpu: '2' }).obj();
  const victims = selectVictims(pod, c.node('n'), simulator(c, pod))!;
  // Pods are given back most important first: mid (1 cpu) fits beside the pod, low-big (2) would not, low-small (1) does.
  assert.deepEqual(victims.map((v) => v.metadata.name), ['low-big']);
});

test('no victims when removing every lower-priority pod would not help', () => {
  const c = new Cluster([makeNode('n').capacity({ cpu: '2' }).obj()], [makePod('same').node('n').priority(10).requests({ cpu: '2' }).obj()]);
  const pod = makePod('p').priority(10).requests({ cpu: '1' }).obj();
  assert.equal(selectVictims(pod, c.node('n'), simulator(c, pod)), undefined);
});

test('the chosen node has the lowest top victim priority, then the lowest sum, then the fewest victims', () => {
  const v = (name: string, priority: number) => makePod(name).priority(priority).obj();
  const best = pickCandidate([
    { nodeName: 'a', victims: [v('a1', 5)] },
    { nodeName: 'b', victims: [v('b1', 1), v('b2', 1), v('b3', 1)] },
    { nodeName: 'c', victims: [v('c1', 1), v('c2', 1)] },
  ]);
  assert.equal(best?.nodeName, 'c');
});

test("a low-priority pod whose presence breaks the pod's anti-affinity is a victim (PreFilter extensions)", () => {
  const ZONE = 'topology.kubernetes.io/zone';
  const c = new Cluster(
    [makeNode('a').label(ZONE, 'a').obj()],
    [makePod('noisy').node('a').label('app', 'noisy').priority(0).obj(), makePod('calm').node('a').label('app', 'calm').priority(0).obj()],
  );
  const pod = makePod('p').priority(10).podAntiAffinity({ labelSelector: { matchLabels: { app: 'noisy' } }, topologyKey: ZONE }).obj();
  assert.deepEqual(selectVictims(pod, c.node('a'), simulator(c, pod))!.map((v) => v.metadata.name), ['noisy']);
});

test('topology spread counts are updated for victims', () => {
  const ZONE = 'topology.kubernetes.io/zone';
  const web = (name: string, node: string, priority: number) => makePod(name).node(node).label('app', 'web').priority(priority).obj();
  const c = new Cluster([makeNode('a').label(ZONE, 'a').obj(), makeNode('b').label(ZONE, 'b').obj()], [web('w1', 'a', 0), web('w2', 'a', 0), web('w3', 'b', 50)]);
  const pod = makePod('p')
    .label('app', 'web')
    .priority(10)
    .spread({ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } })
    .obj();
  // Zone a has 2, b has 1: placing in a needs one of a's pods gone (then a=1+1, b=1: skew 1).
  assert.equal(selectVictims(pod, c.node('a'), simulator(c, pod))!.length, 1);
});
