// The scheduler against a real apiserver and etcd, with simulated nodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod } from './builders';
import { eventsFor, NODES, PODS, podScheduledCondition, startSchedulerCluster } from './scheduler-cluster';
import type { Node } from '../../scheduler/api-types';

test('pods are bound to nodes that fit them: resources, taints, node affinity, scheduler name', async () => {
  const c = await startSchedulerCluster();
  try {
    await c.createNode(makeNode('kap-small').capacity({ cpu: '1', memory: '1Gi' }).label('zone', 'a').obj());
    await c.createNode(makeNode('kap-big').capacity({ cpu: '8', memory: '16Gi' }).label('zone', 'b').obj());
    await c.createNode(makeNode('kap-gpu').capacity({ cpu: '8', memory: '16Gi' }).label('zone', 'a').taint('dedicated', 'gpu').obj());
    await c.waitForSchedulerNodes(3);

    await c.createPod(makePod('other').schedulerName('someone-else').manifest());
    await c.createPod(makePod('large').requests({ cpu: '2', memory: '2Gi' }).manifest());
    await c.createPod(makePod('gpu-user').requests({ cpu: '6', memory: '1Gi' }).toleration({ key: 'dedicated', operator: 'Equal', value: 'gpu' }).manifest());
    await c.createPod(makePod('zone-a').requiredNodeAffinity({ key: 'zone', operator: 'In', values: ['a'] }).manifest());

    assert.equal(await c.waitForBinding('large'), 'kap-big');
    // Only kap-gpu has 6 free cpus once kap-big holds 2 of its 8.
    assert.equal(await c.waitForBinding('gpu-user'), 'kap-gpu');
    // Zone a: kap-small, or kap-gpu which is tainted against this pod.
    assert.equal(await c.waitForBinding('zone-a'), 'kap-small');
    const bound = await c.getPod('large');
    assert.equal(podScheduledCondition(bound)?.status, 'True');

    // The pod for another scheduler was seen before the others were bound, and left alone.
    const other = await c.getPod('other');
    assert.equal(other.spec.nodeName, undefined);
    assert.equal(podScheduledCondition(other), undefined);
  } finally {
    await c.stop();
  }
});

test('a pod that fits nowhere gets the Unschedulable condition and a counted event, and is scheduled when a node is added', async () => {
  const c = await startSchedulerCluster();
  try {
    await c.createNode(makeNode('kap-n1').capacity({ cpu: '4', memory: '1Gi' }).obj());
    await c.createNode(makeNode('kap-n2').capacity({ cpu: '4', memory: '8Gi' }).taint('dedicated', 'gpu').obj());
    await c.createNode(makeNode('kap-n3').capacity({ cpu: '4', memory: '8Gi' }).taint('dedicated', 'gpu').obj());
    await c.waitForSchedulerNodes(3);
    await c.createPod(makePod('hungry').requests({ memory: '2Gi' }).manifest());

    const expected = '0/3 nodes are available: 1 Insufficient memory, 2 node(s) had untolerated taint {dedicated: gpu}.';
    const condition = await c.waitFor('the PodScheduled condition', async () => podScheduledCondition(await c.getPod('hungry')));
    assert.equal(condition.status, 'False');
    assert.equal(condition.reason, 'Unschedulable');
    assert.equal(condition.message, expected);

    const [event] = await c.waitFor('a FailedScheduling event', async () => {
      const events = await eventsFor(c.client, c.namespace, 'hungry');
      return events.length > 0 ? events : undefined;
    });
    assert.equal(event.reason, 'FailedScheduling');
    assert.equal(event.type, 'Warning');
    assert.equal(event.message, expected);
    assert.equal((event.involvedObject as { kind: string }).kind, 'Pod');

    // A node change that cannot help still retries the pod: the same event is counted, not repeated.
    const n1 = await c.client.get<Node>(NODES, undefined, 'kap-n1');
    await c.client.update(NODES, undefined, { ...n1, metadata: { ...n1.metadata, labels: { ...n1.metadata.labels, touched: 'yes' } } });
    const counted = await c.waitFor('the event count to reach 2', async () => {
      const events = await eventsFor(c.client, c.namespace, 'hungry');
      return events.length === 1 && (events[0].count as number) >= 2 ? events : undefined;
    });
    assert.equal(counted.length, 1);

    // A node that fits arrives: the waiting pod is scheduled without any timer running out.
    await c.createNode(makeNode('kap-n4').capacity({ cpu: '4', memory: '4Gi' }).obj());
    assert.equal(await c.waitForBinding('hungry'), 'kap-n4');
  } finally {
    await c.stop();
  }
});

test('two pods cannot double-book the last slot: the placement is assumed before binding', async () => {
  const c = await startSchedulerCluster();
  try {
    await c.createNode(makeNode('kap-one').capacity({ cpu: '1', memory: '1Gi' }).obj());
    await c.waitForSchedulerNodes(1);
    await Promise.all([
      c.createPod(makePod('first').requests({ cpu: '600m' }).manifest()),
      c.createPod(makePod('second').requests({ cpu: '600m' }).manifest()),
    ]);
    const outcome = await c.waitFor('one binding and one rejection', async () => {
      const pods = await Promise.all([c.getPod('first'), c.getPod('second')]);
      const bound = pods.filter((p) => p.spec.nodeName);
      const rejected = pods.filter((p) => podScheduledCondition(p)?.status === 'False');
      return bound.length + rejected.length === 2 ? { bound, rejected } : undefined;
    });
    assert.equal(outcome.bound.length, 1);
    assert.equal(outcome.rejected.length, 1);
    assert.equal(podScheduledCondition(outcome.rejected[0])?.message, '0/1 nodes are available: 1 Insufficient cpu.');
  } finally {
    await c.stop();
  }
});

test('pod anti-affinity, topology spread and host ports against the real apiserver', async () => {
  const c = await startSchedulerCluster();
  const ZONE = 'topology.kubernetes.io/zone';
  try {
    for (const zone of ['a', 'b', 'c']) await c.createNode(makeNode(`kap-${zone}`).capacity({ cpu: '8', memory: '8Gi' }).label(ZONE, zone).obj());
    await c.waitForSchedulerNodes(3);

    // Spread: six pods, maxSkew 1 over three zones → two per zone.
    const spreadNames = ['s1', 's2', 's3', 's4', 's5', 's6'];
    for (const name of spreadNames) {
      await c.createPod(
        makePod(name)
          .label('app', 'spread')
          .spread({ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } })
          .manifest(),
      );
    }
    const placed = await Promise.all(spreadNames.map((n) => c.waitForBinding(n)));
    assert.deepEqual(
      ['kap-a', 'kap-b', 'kap-c'].map((node) => placed.filter((p) => p === node).length),
      [2, 2, 2],
    );

    // Anti-affinity on the zone: three pods take one zone each; a fourth fits nowhere.
    const avoidEachOther = (name: string) =>
      makePod(name).label('app', 'solo').podAntiAffinity({ labelSelector: { matchLabels: { app: 'solo' } }, topologyKey: ZONE }).manifest();
    for (const name of ['solo1', 'solo2', 'solo3']) await c.createPod(avoidEachOther(name));
    const soloNodes = await Promise.all(['solo1', 'solo2', 'solo3'].map((n) => c.waitForBinding(n)));
    assert.equal(new Set(soloNodes).size, 3);
    await c.createPod(avoidEachOther('solo4'));
    const condition = await c.waitFor('solo4 to be rejected', async () => podScheduledCondition(await c.getPod('solo4')));
    assert.equal(condition.message, "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");

    // Host ports: only one pod per node may take port 8080 (three nodes, four pods).
    for (const name of ['hp1', 'hp2', 'hp3', 'hp4']) await c.createPod(makePod(name).hostPort(8080).manifest());
    const hpNodes = await Promise.all(['hp1', 'hp2', 'hp3'].map((n) => c.waitForBinding(n)));
    assert.equal(new Set(hpNodes).size, 3);
    const hp4 = await c.waitFor('hp4 to be rejected', async () => podScheduledCondition(await c.getPod('hp4')));
    assert.equal(hp4.message, "0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports.");
  } finally {
    await c.stop();
  }
});

test('a higher-priority pod preempts the fewest lower-priority pods and is bound once they are gone', async () => {
  const c = await startSchedulerCluster();
  try {
    await c.createNode(makeNode('kap-full').capacity({ cpu: '2', memory: '2Gi' }).obj());
    await c.waitForSchedulerNodes(1);
    const low = (name: string) => {
      const p = makePod(name).requests({ cpu: '1' }).manifest();
      (p.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds = 0; // no agent here to stop containers
      return p;
    };
    await c.createPod(low('low1'));
    await c.createPod(low('low2'));
    await c.waitForBinding('low1');
    await c.waitForBinding('low2');

    await c.createPod(makePod('urgent').priority(1000).requests({ cpu: '1' }).manifest());
    assert.equal(await c.waitForBinding('urgent'), 'kap-full');
    const urgent = await c.getPod('urgent');
    assert.equal(urgent.status?.nominatedNodeName, 'kap-full');
    const survivors = (await c.client.list(PODS, c.namespace)).items.map((p) => p.metadata.name).sort();
    assert.equal(survivors.length, 2, `one victim only, left: ${survivors.join(', ')}`);
    assert.ok(survivors.includes('urgent'));
  } finally {
    await c.stop();
  }
});

test('a pod waiting on a taint is scheduled once the taint is removed', async () => {
  const c = await startSchedulerCluster();
  try {
    await c.createNode(makeNode('kap-tainted').taint('maintenance', 'yes').obj());
    await c.waitForSchedulerNodes(1);
    await c.createPod(makePod('patient').manifest());
    const condition = await c.waitFor('the pod to be rejected', async () => podScheduledCondition(await c.getPod('patient')));
    assert.equal(condition.message, '0/1 nodes are available: 1 node(s) had untolerated taint {maintenance: yes}.');
    const node = await c.client.get<Node>(NODES, undefined, 'kap-tainted');
    await c.client.update(NODES, undefined, { ...node, spec: { ...node.spec, taints: [] } });
    assert.equal(await c.waitForBinding('patient'), 'kap-tainted');
  } finally {
    await c.stop();
  }
});
