// DaemonSets on a real apiserver and etcd with the controllers running and
// simulated nodes (Node objects; the test marks pods ready as agents would).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../../api/resources';
import type { KubeObject } from '../../api/types';
import type { RunningControllers } from '../../controllers/controller-set';
import type { DaemonSet } from '../../controllers/daemonset';
import type { Pod } from '../../controllers/workload-types';
import { createNamespace, eventually, listPods, markAllReady, modify, runControllers, startTestCluster, TestCluster } from './cluster';

const nodes = findByKind('v1', 'Node')!;
const daemonSets = findByKind('apps/v1', 'DaemonSet')!;
let cluster: TestCluster;
let controllers: RunningControllers;

before(async () => {
  cluster = await startTestCluster();
  controllers = await runControllers(cluster.client);
});

after(async () => {
  await controllers?.stop();
  await cluster?.stop();
});

async function node(name: string, labels: Record<string, string>, taints?: unknown[]): Promise<void> {
  await cluster.client.create(nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: taints ? { taints } : {} });
}

const pinnedTo = (p: Pod) =>
  ((p.spec as { affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: Array<{ matchFields: Array<{ values: string[] }> }> } } } }).affinity?.nodeAffinity
    ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0].matchFields[0].values[0]);
const live = (pods: Pod[]) => pods.filter((p) => !p.metadata.deletionTimestamp);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

test('one pod per eligible node (nodeSelector, taints), then a rolling update within maxUnavailable', async () => {
  const { client } = cluster;
  const ns = 'kap-ds';
  await createNamespace(client, ns);
  await node('kap-ds-a', { role: 'worker' });
  await node('kap-ds-b', { role: 'worker' });
  await node('kap-ds-c', { role: 'worker' }, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
  await node('kap-ds-d', { role: 'edge' });
  await node('kap-ds-e', { role: 'worker' }, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]);
  const ds: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { role: 'worker' }, containers: [{ name: 'main', image: 'busybox:1' }] } },
    },
  };
  await client.create(daemonSets, ns, ds);
  const pods = await eventually(async () => {
    const p = live(await listPods(client, ns));
    return p.length === 3 && p;
  }, 'three daemon pods');
  assert.deepEqual(pods.map(pinnedTo).sort(), ['kap-ds-a', 'kap-ds-b', 'kap-ds-e'], 'not on the tainted node nor the edge node; unschedulable is tolerated');
  const tolerations = (pods[0].spec as { tolerations: Array<{ key: string }> }).tolerations.map((t) => t.key);
  assert.ok(tolerations.includes('node.kubernetes.io/unreachable') && tolerations.includes('node.kubernetes.io/unschedulable'));
  await markAllReady(client, ns);
  await eventually(async () => (await client.get<DaemonSet>(daemonSets, ns, 'agent')).status?.numberAvailable === 3, '3 available');

  await modify<DaemonSet>(client, daemonSets, ns, 'agent', (d) => {
    (d.spec.template!.spec!.containers as Array<{ image: string }>)[0].image = 'busybox:2';
  });
  let minReady = Infinity;
  const done = await eventually(async () => {
    const p = live(await listPods(client, ns));
    minReady = Math.min(minReady, p.filter(isReady).length);
    await markAllReady(client, ns);
    const d = await client.get<DaemonSet>(daemonSets, ns, 'agent');
    const s = d.status as { updatedNumberScheduled?: number; numberAvailable?: number; observedGeneration?: number };
    return p.length === 3 && s.updatedNumberScheduled === 3 && s.numberAvailable === 3 && s.observedGeneration === d.metadata.generation && p;
  }, 'the rolling update', 20_000);
  assert.ok(minReady >= 2, `at most maxUnavailable nodes without a ready pod (saw ${minReady} ready)`);
  for (const p of done) assert.equal((p.spec as { containers: Array<{ image: string }> }).containers[0].image, 'busybox:2');

  // A node leaving the selector loses its pod.
  await modify(client, nodes, undefined, 'kap-ds-b', (n) => (n.metadata.labels = { role: 'edge' }));
  await eventually(async () => !live(await listPods(client, ns)).some((p) => pinnedTo(p) === 'kap-ds-b'), 'the pod on kap-ds-b to go');
});
