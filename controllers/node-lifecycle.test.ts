// Node lifecycle reconcile(key) on a manual clock against caches seeded
// through a real apiserver: a node whose Lease stops being renewed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import { createNamespace, resources, startTestCluster, TestCluster } from '../test/controllers/cluster';
import { summary } from '../test/controllers/recording-client';
import { startUnitBed } from '../test/controllers/unit-bed';
import { evictionTime, NodeLifecycleController, Taint } from './node-lifecycle';
import type { Pod } from './workload-types';

const nodes = findByKind('v1', 'Node')!;
const leases = findByKind('coordination.k8s.io/v1', 'Lease')!;
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster();
});

after(async () => {
  await cluster?.stop();
});

const micro = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

function pod(name: string, node: string, tolerations?: unknown[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { nodeName: node, containers: [{ name: 'main', image: 'busybox:1' }], ...(tolerations ? { tolerations } : {}) },
  };
}

test('tolerations decide when a pod leaves a NoExecute-tainted node', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  const taints: Taint[] = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' }];
  const p = (tolerations: unknown[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { tolerations } }) as Pod;
  assert.equal(evictionTime(p([]), taints, now), now);
  assert.equal(evictionTime(p([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]), taints, now), Date.parse('2026-01-01T00:05:00Z'));
  assert.equal(evictionTime(p([{ operator: 'Exists' }]), taints, now), undefined, 'tolerates everything, forever');
  assert.equal(evictionTime(p([{ key: 'other', operator: 'Exists' }]), taints, now), now);
  assert.equal(evictionTime(p([]), [{ key: 'x', effect: 'NoSchedule' }], now), undefined);
});

test('a node that stops renewing its Lease turns Unknown and unreachable; its pods are evicted as tolerations run out; the taint goes when it is back', async () => {
  const { client } = cluster;
  const name = 'kap-node-a';
  const ns = 'kap-nlc';
  await createNamespace(client, ns);
  const start = Date.now();
  const t = new Date(start).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.create(nodes, undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: t, lastTransitionTime: t }] },
  });
  await client.create(leases, 'kube-node-lease', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro(start) },
  });
  await client.create(resources.pods, ns, pod('impatient', name, [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }]));
  await client.create(resources.pods, ns, pod('patient', name)); // default: 300 s
  await client.create(resources.pods, ns, pod('elsewhere', 'kap-node-b-missing'));

  const bed = await startUnitBed(cluster, (ctx) => new NodeLifecycleController(ctx));
  try {
    await bed.controller.reconcile(name);
    assert.deepEqual(summary(bed.client.take()), [], 'a fresh node is left alone');

    bed.clock.advance(40_000);
    await bed.controller.reconcile(name);
    const calls = bed.client.take();
    assert.deepEqual(summary(calls), [`update nodes/status ${name}`, `update nodes ${name}`, 'update pods/status impatient', 'delete pods impatient']);
    const disruption = (calls[2].body!.status as { conditions: Array<{ type: string; status: string; reason: string }> }).conditions.find((c) => c.type === 'DisruptionTarget');
    assert.deepEqual([disruption?.status, disruption?.reason], ['True', 'DeletionByTaintManager'], 'marked before deletion, for podFailurePolicy');
    const ready = ((calls[0].body!.status as { conditions: Array<{ type: string; status: string; reason: string }> }).conditions).find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, ready?.reason], ['Unknown', 'NodeStatusUnknown']);
    const taints = (calls[1].body!.spec as { taints: Taint[] }).taints;
    assert.deepEqual(taints.map((x) => `${x.key}:${x.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);

    await bed.caughtUp(nodes, undefined, name);
    bed.clock.advance(299_000);
    await bed.controller.reconcile(name);
    assert.deepEqual(summary(bed.client.take()), [], 'the default toleration has not run out yet');
    bed.clock.advance(2_000);
    await bed.controller.reconcile(name);
    assert.deepEqual(summary(bed.client.take()), ['update pods/status patient', 'delete pods patient']);

    // Back: the Lease is renewed and the agent reports Ready.
    const lease = await client.get(leases, 'kube-node-lease', name);
    lease.spec = { ...(lease.spec as object), renewTime: micro(Date.now()) };
    await client.update(leases, 'kube-node-lease', lease);
    const node = await client.get(nodes, undefined, name);
    node.status = { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: t, lastTransitionTime: t }] };
    await client.update(nodes, undefined, node, { subresource: 'status' });
    await bed.caughtUp(leases, 'kube-node-lease', name);
    await bed.caughtUp(nodes, undefined, name);
    await bed.controller.reconcile(name);
    const back = bed.client.take();
    assert.deepEqual(summary(back), [`update nodes ${name}`]);
    assert.equal((back[0].body!.spec as { taints?: Taint[] }).taints, undefined);

    // A pod bound to a node that does not exist is deleted at once.
    await bed.controller.reconcile('gone-node:kap-node-b-missing');
    const gone = bed.client.take();
    assert.deepEqual(summary(gone), ['delete pods elsewhere']);
    assert.equal(gone[0].options?.gracePeriodSeconds, 0);
  } finally {
    await bed.stop();
  }
});
