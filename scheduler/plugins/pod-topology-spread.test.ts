import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodTopologySpread, REASON_SPREAD, REASON_SPREAD_MISSING_LABEL } from './pod-topology-spread';
import { Cluster } from '../../test/scheduler/plugin-harness';
import { makeNode, makePod } from '../../test/scheduler/builders';
import type { TopologySpreadConstraint } from '../api-types';

const ZONE = 'topology.kubernetes.io/zone';
const spread = (extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint => ({
  maxSkew: 1,
  topologyKey: ZONE,
  whenUnsatisfiable: 'DoNotSchedule',
  labelSelector: { matchLabels: { app: 'web' } },
  ...extra,
});
const web = (name: string, node: string) => makePod(name).label('app', 'web').node(node).obj();

function fitting(c: Cluster, pod: ReturnType<ReturnType<typeof makePod>['obj']>, names: string[]): string[] {
  const plugin = new PodTopologySpread(c.handle);
  return names.filter((n) => ['Success', 'Skip'].includes(c.filter(plugin, pod, n).code));
}

test('DoNotSchedule: the pod goes only where the skew stays within maxSkew', () => {
  const c = new Cluster(
    [makeNode('a1').label(ZONE, 'a').obj(), makeNode('b1').label(ZONE, 'b').obj(), makeNode('c1').label(ZONE, 'c').obj(), makeNode('bare').obj()],
    [web('w1', 'a1'), web('w2', 'a1'), web('w3', 'b1'), makePod('other').label('app', 'db').node('c1').obj()],
  );
  const pod = makePod('new').label('app', 'web').spread(spread()).obj();
  // Counts a=2, b=1, c=0: only zone c keeps the skew at 1.
  assert.deepEqual(fitting(c, pod, ['a1', 'b1', 'c1']), ['c1']);
  const plugin = new PodTopologySpread(c.handle);
  assert.deepEqual(c.filter(plugin, pod, 'a1').reasons, [REASON_SPREAD]);
  assert.deepEqual(c.filter(plugin, pod, 'bare').reasons, [REASON_SPREAD_MISSING_LABEL]);
  assert.deepEqual(fitting(c, makePod('new').label('app', 'web').spread(spread({ maxSkew: 2 })).obj(), ['a1', 'b1', 'c1']), ['b1', 'c1']);
});

test('a pod that does not match its own selector does not count itself', () => {
  const c = new Cluster([makeNode('a1').label(ZONE, 'a').obj(), makeNode('b1').label(ZONE, 'b').obj()], [web('w1', 'a1')]);
  assert.deepEqual(fitting(c, makePod('x').spread(spread()).obj(), ['a1', 'b1']), ['a1', 'b1']);
});

test('minDomains: with fewer domains than asked the global minimum counts as 0', () => {
  const c = new Cluster([makeNode('a1').label(ZONE, 'a').obj(), makeNode('b1').label(ZONE, 'b').obj()], [web('w1', 'a1'), web('w2', 'b1')]);
  const pod = makePod('new').label('app', 'web').spread(spread()).obj();
  assert.deepEqual(fitting(c, pod, ['a1', 'b1']), ['a1', 'b1']);
  assert.deepEqual(fitting(c, makePod('new').label('app', 'web').spread(spread({ minDomains: 3 })).obj(), ['a1', 'b1']), []);
});

test('domains are formed only by nodes the pod may use (node affinity honored)', () => {
  const c = new Cluster(
    [makeNode('a1').label(ZONE, 'a').label('pool', 'x').obj(), makeNode('b1').label(ZONE, 'b').label('pool', 'y').obj()],
    [web('w1', 'a1')],
  );
  // Zone b is not eligible (pool y): zone a alone has min 1, so a second pod fits there.
  const pod = makePod('new').label('app', 'web').nodeSelector({ pool: 'x' }).spread(spread()).obj();
  assert.deepEqual(fitting(c, pod, ['a1']), ['a1']);
});

test('ScheduleAnyway scores emptier domains higher', () => {
  const c = new Cluster(
    [makeNode('a1').label(ZONE, 'a').obj(), makeNode('b1').label(ZONE, 'b').obj(), makeNode('bare').obj()],
    [web('w1', 'a1'), web('w2', 'a1')],
  );
  const plugin = new PodTopologySpread(c.handle);
  const pod = makePod('new').label('app', 'web').spread(spread({ whenUnsatisfiable: 'ScheduleAnyway' })).obj();
  const scores = c.scores(plugin, pod);
  assert.ok(scores.b1 > scores.a1, JSON.stringify(scores));
  assert.equal(scores.b1, 100);
  assert.equal(scores.bare, 0);
});
