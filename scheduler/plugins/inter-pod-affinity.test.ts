import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InterPodAffinity, REASON_AFFINITY, REASON_ANTI_AFFINITY, REASON_EXISTING_ANTI_AFFINITY } from './inter-pod-affinity';
import { Cluster } from '../../test/scheduler/plugin-harness';
import { makeNode, makePod } from '../../test/scheduler/builders';

const ZONE = 'topology.kubernetes.io/zone';
const nodes = () => [
  makeNode('a1').label(ZONE, 'a').obj(),
  makeNode('a2').label(ZONE, 'a').obj(),
  makeNode('b1').label(ZONE, 'b').obj(),
  makeNode('nozone').obj(),
];
const appIs = (app: string) => ({ labelSelector: { matchLabels: { app } }, topologyKey: ZONE });

function fitting(c: Cluster, pod: ReturnType<ReturnType<typeof makePod>['obj']>): string[] {
  const plugin = new InterPodAffinity(c.handle);
  return ['a1', 'a2', 'b1', 'nozone'].filter((n) => ['Success', 'Skip'].includes(c.filter(plugin, pod, n).code));
}

test('required affinity: only nodes in a zone running a matching pod', () => {
  const c = new Cluster(nodes(), [makePod('db').label('app', 'db').node('a2').obj()]);
  const pod = makePod('web').podAffinity(appIs('db')).obj();
  assert.deepEqual(fitting(c, pod), ['a1', 'a2']);
  assert.deepEqual(c.filter(new InterPodAffinity(c.handle), pod, 'b1').reasons, [REASON_AFFINITY]);
});

test('required affinity: the first pod of a group that selects itself goes anywhere with the key', () => {
  const c = new Cluster(nodes());
  assert.deepEqual(fitting(c, makePod('w').label('app', 'web').podAffinity(appIs('web')).obj()), ['a1', 'a2', 'b1']);
  assert.deepEqual(fitting(c, makePod('w').podAffinity(appIs('web')).obj()), []);
});

test('required anti-affinity: not into a zone running a matching pod; pods in other namespaces do not count', () => {
  const c = new Cluster(nodes(), [makePod('w1').label('app', 'web').node('a1').obj(), makePod('x').label('app', 'cache').node('b1', ).obj()]);
  c.cache.addOrUpdatePod(makePod('other-ns', 'elsewhere').label('app', 'cache').node('a1').obj());
  const pod = makePod('w2').label('app', 'web').podAntiAffinity(appIs('web')).obj();
  assert.deepEqual(fitting(c, pod), ['b1', 'nozone']);
  assert.deepEqual(c.filter(new InterPodAffinity(c.handle), pod, 'a2').reasons, [REASON_ANTI_AFFINITY]);
  const avoidCache = makePod('y').podAntiAffinity(appIs('cache')).obj();
  assert.deepEqual(fitting(c, avoidCache), ['a1', 'a2', 'nozone']);
});

test("existing pods' anti-affinity keeps matching pods out of their zone", () => {
  const c = new Cluster(nodes(), [makePod('loner').node('b1').podAntiAffinity(appIs('noisy')).obj()]);
  const noisy = makePod('n').label('app', 'noisy').obj();
  assert.deepEqual(fitting(c, noisy), ['a1', 'a2', 'nozone']);
  assert.deepEqual(c.filter(new InterPodAffinity(c.handle), noisy, 'b1').reasons, [REASON_EXISTING_ANTI_AFFINITY]);
  assert.deepEqual(fitting(c, makePod('quiet').obj()), ['a1', 'a2', 'b1', 'nozone']);
});

test('preferred affinity and anti-affinity score zones', () => {
  const c = new Cluster(nodes(), [makePod('db').label('app', 'db').node('a1').obj(), makePod('web').label('app', 'web').node('b1').obj()]);
  const plugin = new InterPodAffinity(c.handle);
  const pod = makePod('p').preferredPodAffinity(10, appIs('db')).preferredPodAffinity(5, appIs('web'), true).obj();
  // a: +10, b: −5, nozone: 0 → min-max scaled.
  assert.deepEqual(c.scores(plugin, pod), { a1: 100, a2: 100, b1: 0, nozone: 33 });
});
