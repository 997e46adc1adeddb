import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedulerConfig } from './config';
import { Framework } from './framework';
import { fitErrorMessage } from './fit-error';
import { CycleState } from './cycle-state';
import { Status } from './status';
import { inTreeRegistry } from '../plugins/registry';
import { Cluster } from '../../test/scheduler/plugin-harness';
import { makeNode, makePod } from '../../test/scheduler/builders';

test('the default profile runs the filters in kube-scheduler order with its weights', () => {
  const fw = new Framework({}, inTreeRegistry(), new Cluster().handle);
  assert.equal(fw.schedulerName, 'default-scheduler');
  assert.deepEqual(
    fw.filters.map((p) => p.name),
    ['NodeUnschedulable', 'NodeReady', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity'],
  );
  assert.deepEqual(
    fw.scores.map((s) => `${s.plugin.name}:${s.weight}`),
    ['TaintToleration:3', 'NodeAffinity:2', 'NodeResourcesFit:1', 'PodTopologySpread:2', 'InterPodAffinity:2', 'NodeResourcesBalancedAllocation:1', 'ImageLocality:1'],
  );
  assert.deepEqual(fw.binders.map((p) => p.name), ['DefaultBinder']);
});

test('a config file picks plugins per profile, with weights and args', () => {
  const cfg = parseSchedulerConfig(`
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: packer
    plugins:
      multiPoint:
        disabled: [{ name: '*' }]
        enabled: [{ name: NodeResourcesFit, weight: 5 }, { name: DefaultBinder }]
      filter:
        enabled: [{ name: TaintToleration }]
    pluginConfig:
      - name: NodeResourcesFit
        args: { scoringStrategy: { type: MostAllocated } }
`);
  const fw = new Framework(cfg.profiles![0], inTreeRegistry(), new Cluster().handle);
  assert.equal(fw.schedulerName, 'packer');
  assert.deepEqual(fw.filters.map((p) => p.name), ['NodeResourcesFit', 'TaintToleration']);
  assert.deepEqual(fw.scores.map((s) => `${s.plugin.name}:${s.weight}`), ['NodeResourcesFit:5']);
});

test('unknown plugins and bad files are refused with a clear message', () => {
  assert.throws(() => new Framework({ plugins: { filter: { enabled: [{ name: 'Nope' }] } } }, inTreeRegistry(), new Cluster().handle), /unknown plugin "Nope"/);
  assert.throws(() => new Framework({ plugins: { bind: { enabled: [{ name: 'NodeName' }] } } }, inTreeRegistry(), new Cluster().handle), /no bind extension/);
  assert.throws(() => parseSchedulerConfig('kind: Pod'), /KubeSchedulerConfiguration/);
});

test('the fit error counts each reason over nodes and sorts like Go', () => {
  const msg = fitErrorMessage(3, [
    Status.unschedulable('Insufficient memory'),
    Status.unresolvable('node(s) had untolerated taint {dedicated: gpu}'),
    Status.unresolvable('node(s) had untolerated taint {dedicated: gpu}'),
  ]);
  assert.equal(msg, '0/3 nodes are available: 1 Insufficient memory, 2 node(s) had untolerated taint {dedicated: gpu}.');
  assert.equal(fitErrorMessage(0, []), '0/0 nodes are available.');
});

test('the default profile places a pod on the best fitting node, or says why not', () => {
  const c = new Cluster([
    makeNode('small').capacity({ cpu: '1', memory: '1Gi' }).obj(),
    makeNode('gpu1').capacity({ cpu: '8', memory: '32Gi' }).taint('dedicated', 'gpu').obj(),
    makeNode('gpu2').capacity({ cpu: '8', memory: '32Gi' }).taint('dedicated', 'gpu').obj(),
  ]);
  const big = makePod('big').requests({ cpu: '500m', memory: '2Gi' }).obj();
  const none = c.place(big);
  assert.equal(none.kind, 'unschedulable');
  assert.equal(none.kind === 'unschedulable' && none.message, '0/3 nodes are available: 1 Insufficient memory, 2 node(s) had untolerated taint {dedicated: gpu}.');
  const tolerant = makePod('t').requests({ cpu: '500m', memory: '2Gi' }).toleration({ key: 'dedicated', operator: 'Exists' }).obj();
  const placed = c.place(tolerant);
  assert.equal(placed.kind, 'fit');
  assert.match(placed.kind === 'fit' ? placed.nodeName : '', /^gpu[12]$/);
});

test('a score plugin whose PreScore skips is not scored, and the others still are', () => {
  const registry = inTreeRegistry();
  const calls: string[] = [];
  registry.set('SkipsScore', () => ({
    name: 'SkipsScore',
    preScore: () => Status.SKIP,
    score: () => {
      throw new Error('Score ran after PreScore skipped');
    },
  }));
  registry.set('Scores', () => ({
    name: 'Scores',
    preScore: () => Status.SUCCESS,
    score: (_s: unknown, _p: unknown, node: { name: string }) => (calls.push(node.name), node.name === 'b' ? 100 : 0),
  }));
  const c = new Cluster([makeNode('a').obj(), makeNode('b').obj()]);
  const fw = new Framework(
    { plugins: { multiPoint: { disabled: [{ name: '*' }], enabled: [{ name: 'SkipsScore' }, { name: 'Scores', weight: 2 }, { name: 'DefaultBinder' }] } } },
    registry,
    c.handle,
  );
  const totals = fw.runScore(new CycleState(), makePod('p').obj(), c.cache.nodes());
  assert.deepEqual(totals, [0, 200]);
  assert.deepEqual(calls, ['a', 'b']);
});
