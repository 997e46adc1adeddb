// Endpoints follow a Service's pods on a real apiserver and etcd.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../../api/resources';
import type { KubeObject } from '../../api/types';
import type { RunningControllers } from '../../controllers/controller-set';
import type { Pod } from '../../controllers/workload-types';
import { createNamespace, eventually, markPodReady, resources, runControllers, startTestCluster, TestCluster } from './cluster';

const services = findByKind('v1', 'Service')!;
const endpoints = findByKind('v1', 'Endpoints')!;
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

async function podWithIp(ns: string, name: string, ip: string, ports: Array<{ name: string; containerPort: number }>, ready: boolean): Promise<void> {
  const pod = await cluster.client.create<Pod>(resources.pods, ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'web' } },
    spec: { containers: [{ name: 'main', image: 'busybox:1', ports }] },
  });
  if (ready) await markPodReady(cluster.client, pod);
  const latest = await cluster.client.get<Pod>(resources.pods, ns, name);
  latest.status = { ...latest.status, podIP: ip, podIPs: [{ ip }], phase: 'Running' };
  await cluster.client.update(resources.pods, ns, latest, { subresource: 'status' });
}

interface Subset {
  addresses?: Array<{ ip: string; targetRef: { name: string } }>;
  notReadyAddresses?: Array<{ ip: string }>;
  ports?: Array<{ name?: string; port: number; protocol: string }>;
}

test('a Service with a selector gets Endpoints: ready and not-ready addresses, named target ports resolved per pod', async () => {
  const ns = 'kap-ep';
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(services, ns, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', labels: { tier: 'front' } },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  await podWithIp(ns, 'web-a', '10.244.0.11', [{ name: 'http', containerPort: 8080 }], true);
  await podWithIp(ns, 'web-b', '10.244.0.12', [{ name: 'http', containerPort: 8080 }], false);
  await podWithIp(ns, 'web-c', '10.244.0.13', [{ name: 'http', containerPort: 9090 }], true);
  await podWithIp(ns, 'web-noport', '10.244.0.14', [{ name: 'metrics', containerPort: 9100 }], true);
  const ep = await eventually(async () => {
    const e = await client.get<KubeObject & { subsets?: Subset[] }>(endpoints, ns, 'web').catch(() => undefined);
    const total = (e?.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
    return total === 3 && e;
  }, 'Endpoints with three pods');
  assert.deepEqual(ep.metadata.labels, { tier: 'front' });
  const byPort = new Map((ep.subsets ?? []).map((s) => [s.ports?.[0].port, s]));
  assert.deepEqual(byPort.get(8080)?.addresses?.map((a) => a.ip), ['10.244.0.11']);
  assert.deepEqual(byPort.get(8080)?.notReadyAddresses?.map((a) => a.ip), ['10.244.0.12']);
  assert.deepEqual(byPort.get(8080)?.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(byPort.get(9090)?.addresses?.map((a) => a.targetRef.name), ['web-c']);

  await client.delete(resources.pods, ns, 'web-c');
  await eventually(async () => {
    const e = await client.get<KubeObject & { subsets?: Subset[] }>(endpoints, ns, 'web');
    return (e.subsets ?? []).length === 1;
  }, 'the deleted pod to leave the Endpoints');

  await client.delete(services, ns, 'web');
  await eventually(async () => client.get(endpoints, ns, 'web').then(() => false, () => true), 'the Endpoints to go with the Service');
});
