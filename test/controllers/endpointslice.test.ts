// EndpointSlices follow a Service's pods on a real apiserver and etcd with
// the controllers running; the test plays the node agent (pod IPs, readiness).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../../api/resources';
import type { KubeObject } from '../../api/types';
import type { RunningControllers } from '../../controllers/controller-set';
import { EndpointSlice, endpointSlicesResource } from '../../controllers/endpointslice';
import type { Pod } from '../../controllers/workload-types';
import { createNamespace, eventually, markPodReady, resources, runControllers, startTestCluster, TestCluster } from './cluster';

const services = findByKind('v1', 'Service')!;
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

/** A pod as an agent would report it: running, with an IP, ready or not. */
async function runningPod(ns: string, name: string, ip: string, ready: boolean): Promise<void> {
  const pod = await cluster.client.create<Pod>(resources.pods, ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'web' } },
    spec: { containers: [{ name: 'main', image: 'busybox:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
  });
  if (ready) await markPodReady(cluster.client, pod);
  await setIp(ns, name, ip);
}

async function setIp(ns: string, name: string, ip: string): Promise<void> {
  const latest = await cluster.client.get<Pod>(resources.pods, ns, name);
  latest.status = { ...latest.status, phase: 'Running', podIP: ip, podIPs: [{ ip }] };
  await cluster.client.update(resources.pods, ns, latest, { subresource: 'status' });
}

async function markUnready(ns: string, name: string): Promise<void> {
  const latest = await cluster.client.get<Pod>(resources.pods, ns, name);
  latest.status = { ...latest.status, conditions: (latest.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False' as const } : c)) };
  await cluster.client.update(resources.pods, ns, latest, { subresource: 'status' });
}

const slicesOf = async (ns: string, svc: string) =>
  (await cluster.client.list<EndpointSlice>(endpointSlicesResource, ns, { labelSelector: `kubernetes.io/service-name=${svc}` })).items;

function conditionsByPod(slices: EndpointSlice[]): Map<string, { ready: boolean; serving: boolean; terminating: boolean }> {
  return new Map(slices.flatMap((s) => (s.endpoints ?? []).map((e) => [e.targetRef!.name, e.conditions] as const)));
}

function service(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
}

test('slices follow pods becoming ready and unready, and go with the Service', async () => {
  const ns = 'kap-es-follow';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(services, ns, service('web'));
  const placeholder = await eventually(async () => {
    const s = await slicesOf(ns, 'web');
    return s.length === 1 && (s[0].endpoints ?? []).length === 0 && s;
  }, 'an empty placeholder slice');
  assert.equal(placeholder[0].metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');

  await runningPod(ns, 'web-a', '10.244.2.2', true);
  await runningPod(ns, 'web-b', '10.244.2.3', false);
  const slices = await eventually(async () => {
    const s = await slicesOf(ns, 'web');
    return s.length === 1 && conditionsByPod(s).size === 2 && s;
  }, 'both pods in one slice');
  assert.equal(slices[0].metadata.name, placeholder[0].metadata.name, 'the placeholder is reused');
  assert.deepEqual(slices[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(conditionsByPod(slices).get('web-a'), { ready: true, serving: true, terminating: false });
  assert.deepEqual(conditionsByPod(slices).get('web-b'), { ready: false, serving: false, terminating: false });

  await markPodReady(client, await client.get<Pod>(resources.pods, ns, 'web-b'));
  await eventually(async () => conditionsByPod(await slicesOf(ns, 'web')).get('web-b')?.ready === true, 'web-b ready in its slice');
  await markUnready(ns, 'web-a');
  await eventually(async () => conditionsByPod(await slicesOf(ns, 'web')).get('web-a')?.ready === false, 'web-a not ready in its slice');

  await client.delete(resources.pods, ns, 'web-b');
  await eventually(async () => !conditionsByPod(await slicesOf(ns, 'web')).has('web-b'), 'the deleted pod to leave');

  await client.delete(services, ns, 'web');
  await eventually(async () => (await slicesOf(ns, 'web')).length === 0, 'the slices to go with the Service');
});

test('250 endpoints split into slices of at most 100; a change to one pod rewrites one slice only', async () => {
  const ns = 'kap-es-split';
  const { client } = cluster;
  await createNamespace(client, ns);
  const count = 250;
  // Pods first, then the Service: the controller sees them all at once.
  for (let i = 0; i < count; i++) {
    const pod = await client.create<Pod>(resources.pods, ns, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `web-${i}`, labels: { app: 'web' } },
      spec: { containers: [{ name: 'main', image: 'busybox:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
    });
    await markPodReady(client, pod);
    await setIp(ns, `web-${i}`, `10.244.${3 + Math.floor(i / 200)}.${(i % 200) + 2}`);
  }
  await client.create(services, ns, service('big'));
  const slices = await eventually(async () => {
    const s = await slicesOf(ns, 'big');
    return conditionsByPod(s).size === count && s;
  }, `${count} endpoints in slices`, 30_000);
  const sizes = slices.map((s) => s.endpoints!.length).sort((a, b) => b - a);
  assert.deepEqual(sizes, [100, 100, 50]);
  const addresses = slices.flatMap((s) => s.endpoints!.flatMap((e) => e.addresses));
  assert.equal(new Set(addresses).size, count, 'each pod once');

  const target = slices.find((s) => s.endpoints!.some((e) => e.targetRef!.name === 'web-7'))!;
  const before = new Map(slices.map((s) => [s.metadata.name!, s.metadata.resourceVersion]));
  await markUnready(ns, 'web-7');
  const after = await eventually(async () => {
    const s = await slicesOf(ns, 'big');
    return conditionsByPod(s).get('web-7')?.ready === false && s;
  }, 'web-7 not ready');
  for (const s of after) {
    const changed = s.metadata.resourceVersion !== before.get(s.metadata.name!);
    assert.equal(changed, s.metadata.name === target.metadata.name, `only ${target.metadata.name} is rewritten (${s.metadata.name})`);
  }
});
