// EndpointSlice reconcile(key) against caches seeded through a real
// apiserver: the exact writes it makes, and none when nothing changed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import { createNamespace, markPodReady, resources, startTestCluster, TestCluster } from '../test/controllers/cluster';
import { summary } from '../test/controllers/recording-client';
import { startUnitBed } from '../test/controllers/unit-bed';
import { CONTROLLER_NAME, EndpointSlice, EndpointSliceController, endpointSlicesResource } from './endpointslice';
import type { Pod } from './workload-types';

const services = findByKind('v1', 'Service')!;
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster();
});

after(async () => {
  await cluster?.stop();
});

async function pod(ns: string, name: string, ip: string, ready: boolean, extra: Record<string, unknown> = {}): Promise<Pod> {
  const created = await cluster.client.create<Pod>(resources.pods, ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'web' } },
    spec: { nodeName: 'node-a', containers: [{ name: 'main', image: 'busybox:1', ports: [{ name: 'http', containerPort: 8080 }] }], ...extra },
  });
  if (ready) await markPodReady(cluster.client, created);
  const latest = await cluster.client.get<Pod>(resources.pods, ns, name);
  latest.status = { ...latest.status, phase: 'Running', podIP: ip, podIPs: [{ ip }] };
  return cluster.client.update<Pod>(resources.pods, ns, latest, { subresource: 'status' });
}

function service(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, labels: { tier: 'front' } }, spec: { selector: { app: 'web' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } };
}

test('a Service gets one slice (labels, owner, conditions, resolved port); a readiness change rewrites it; a second pass writes nothing', async () => {
  const ns = 'kap-esu-basic';
  await createNamespace(cluster.client, ns);
  const svc = await cluster.client.create(services, ns, service('web'));
  await pod(ns, 'web-a', '10.244.1.2', true);
  await pod(ns, 'web-b', '10.244.1.3', false, { hostname: 'b', subdomain: 'web' });
  const bed = await startUnitBed(cluster, (ctx) => new EndpointSliceController(ctx));
  try {
    await bed.until(() => bed.informers.for(resources.pods).list(ns).filter((p) => (p.status as { podIP?: string })?.podIP).length === 2, 'two pods with IPs');
    await bed.controller.reconcile(`${ns}/web`);
    const calls = bed.client.take();
    assert.deepEqual(summary(calls), ['create endpointslices web-']);
    const slice = calls[0].body as EndpointSlice;
    assert.deepEqual(slice.metadata.labels, { tier: 'front', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': CONTROLLER_NAME });
    assert.deepEqual(slice.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
    const byName = new Map(slice.endpoints!.map((e) => [e.targetRef!.name, e]));
    assert.deepEqual(byName.get('web-a'), {
      addresses: ['10.244.1.2'],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: 'node-a',
      targetRef: { kind: 'Pod', namespace: ns, name: 'web-a', uid: byName.get('web-a')!.targetRef!.uid },
    });
    assert.deepEqual(byName.get('web-b')!.conditions, { ready: false, serving: false, terminating: false });
    assert.equal(byName.get('web-b')!.hostname, 'b', 'hostname when the pod subdomain is the Service');

    await bed.until(() => bed.informers.for(endpointSlicesResource).list(ns).length === 1, 'the slice in the cache');
    await bed.controller.reconcile(`${ns}/web`);
    assert.deepEqual(summary(bed.client.take()), [], 'nothing changed, nothing written');

    await markPodReady(cluster.client, await cluster.client.get<Pod>(resources.pods, ns, 'web-b'));
    await bed.until(() => (bed.informers.for<Pod>(resources.pods).getByName(ns, 'web-b') as Pod | undefined)?.status?.conditions?.some((c) => c.type === 'Ready') === true, 'web-b ready');
    await bed.controller.reconcile(`${ns}/web`);
    const update = bed.client.take();
    assert.deepEqual(summary(update), [`update endpointslices ${bed.informers.for(endpointSlicesResource).list(ns)[0].metadata.name}`]);
    assert.ok((update[0].body as EndpointSlice).endpoints!.every((e) => e.conditions.ready));
  } finally {
    await bed.stop();
  }
});

test('a Service that selects no pods gets an empty placeholder slice; a deleted Service loses its slices', async () => {
  const ns = 'kap-esu-empty';
  await createNamespace(cluster.client, ns);
  await cluster.client.create(services, ns, service('lonely'));
  const bed = await startUnitBed(cluster, (ctx) => new EndpointSliceController(ctx));
  try {
    await bed.controller.reconcile(`${ns}/lonely`);
    const calls = bed.client.take();
    assert.deepEqual(summary(calls), ['create endpointslices lonely-']);
    assert.deepEqual((calls[0].body as EndpointSlice).endpoints, []);
    await bed.until(() => bed.informers.for(endpointSlicesResource).list(ns).length === 1, 'the placeholder in the cache');
    const name = bed.informers.for(endpointSlicesResource).list(ns)[0].metadata.name;
    await cluster.client.delete(services, ns, 'lonely');
    await bed.until(() => !bed.informers.for(services).getByName(ns, 'lonely'), 'the Service gone from the cache');
    await bed.controller.reconcile(`${ns}/lonely`);
    assert.deepEqual(summary(bed.client.take()), [`delete endpointslices ${name}`]);
  } finally {
    await bed.stop();
  }
});
