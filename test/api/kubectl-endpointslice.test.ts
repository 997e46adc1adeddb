// kubectl 1.27 and 1.33 against EndpointSlices the controller made: `get
// endpointslices` prints kubectl's columns and `describe svc` prints the
// Service's ready endpoints (1.27 reads Endpoints, 1.33 reads EndpointSlices).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../../api/resources';
import type { RunningControllers } from '../../controllers/controller-set';
import { EndpointSlice, endpointSlicesResource } from '../../controllers/endpointslice';
import type { Pod } from '../../controllers/workload-types';
import { createNamespace, eventually, markPodReady, resources, runControllers, startTestCluster, TestCluster } from '../controllers/cluster';
import { kubectlEnv, KubectlEnv, versionedKubectls } from '../harness/kubectl';

const services = findByKind('v1', 'Service')!;
const binaries = versionedKubectls(['1.27', '1.33']);
let cluster: TestCluster;
let controllers: RunningControllers;
let env: KubectlEnv;
const ns = 'kap-kubectl-es';

before(async () => {
  cluster = await startTestCluster();
  controllers = await runControllers(cluster.client);
  env = kubectlEnv(cluster.api, 'kap-kubectl-es-');
  const { client } = cluster;
  await createNamespace(client, ns);
  await client.create(services, ns, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  for (const [name, ip, ready] of [['web-a', '10.244.5.2', true], ['web-b', '10.244.5.3', true], ['web-c', '10.244.5.4', false]] as const) {
    const pod = await client.create<Pod>(resources.pods, ns, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'web' } },
      spec: { containers: [{ name: 'main', image: 'busybox:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
    });
    if (ready) await markPodReady(client, pod);
    const latest = await client.get<Pod>(resources.pods, ns, name);
    latest.status = { ...latest.status, phase: 'Running', podIP: ip, podIPs: [{ ip }] };
    await client.update(resources.pods, ns, latest, { subresource: 'status' });
  }
  await eventually(async () => {
    const slices = (await client.list<EndpointSlice>(endpointSlicesResource, ns)).items;
    return slices.reduce((n, s) => n + (s.endpoints?.length ?? 0), 0) === 3;
  }, 'the slice with three pods');
  await eventually(async () => {
    const ep = await client.get(findByKind('v1', 'Endpoints')!, ns, 'web');
    return ((ep.subsets as Array<{ addresses?: unknown[] }> | undefined)?.[0]?.addresses?.length ?? 0) === 2;
  }, 'the Endpoints with two ready pods');
});

after(async () => {
  await controllers?.stop();
  await cluster?.stop();
  env?.cleanup();
});

async function kubectl(bin: string, ...args: string[]): Promise<string> {
  const r = await env.kubectl(bin, '-n', ns, ...args);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('kubectl 1.27 and 1.33 are on the machine', () => {
  assert.equal(binaries.length, 2, `found ${binaries.join(', ')}`);
});

for (const bin of binaries) {
  const version = bin.split('.').slice(-2).join('.');

  test(`kubectl ${version}: get endpointslices prints NAME ADDRESSTYPE PORTS ENDPOINTS AGE`, async () => {
    const out = await kubectl(bin, 'get', 'endpointslices');
    const [header, row, ...rest] = out.trim().split('\n');
    assert.match(header, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/);
    assert.equal(rest.length, 0, out);
    assert.match(row, /^web-[a-z0-9]{5}\s+IPv4\s+8080\s+10\.244\.5\.2,10\.244\.5\.3,10\.244\.5\.4\s+\d+s$/);
    const byLabel = await kubectl(bin, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'name');
    assert.match(byLabel.trim(), /^endpointslice\.discovery\.k8s\.io\/web-[a-z0-9]{5}$/);
  });

  test(`kubectl ${version}: describe svc lists the ready endpoints`, async () => {
    const out = await kubectl(bin, 'describe', 'svc', 'web');
    assert.match(out, /^Endpoints:\s+10\.244\.5\.2:8080,10\.244\.5\.3:8080$/m, out);
  });
}
