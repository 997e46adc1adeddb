// kubectl 1.27 and 1.33 against EndpointSlices the controller made: `get
// endpointslices` prints kubectl's columns and `describe svc` prints the
// Service's ready endpoints (1.27 reads Endpoints, 1.33 reads EndpointSlices).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { writeAdminKubeconfig } from '../../apiserver/pki';
import { findByKind } from '../../api/resources';
import type { RunningControllers } from '../../controllers/controller-set';
import { EndpointSlice, endpointSlicesResource } from '../../controllers/endpointslice';
import type { Pod } from '../../controllers/workload-types';
import { createNamespace, eventually, markPodReady, resources, runControllers, startTestCluster, TestCluster } from '../controllers/cluster';

const run = promisify(execFile);
const services = findByKind('v1', 'Service')!;

function kubectlVersions(): string[] {
  try {
    const dir = dirname(realpathSync(execFileSync('sh', ['-c', 'command -v kubectl']).toString().trim()));
    return ['1.27', '1.33'].map((v) => join(dir, `kubectl.${v}`)).filter(existsSync);
  } catch {
    return [];
  }
}

const binaries = kubectlVersions();
let cluster: TestCluster;
let controllers: RunningControllers;
let home: string;
let kubeconfig: string;
const ns = 'kap-kubectl-es';

before(async () => {
  cluster = await startTestCluster();
  controllers = await runControllers(cluster.client);
  home = mkdtempSync(join(tmpdir(), 'kap-kubectl-es-'));
  kubeconfig = writeAdminKubeconfig(home, cluster.api.url, cluster.api.caPem, cluster.api.token);
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
  if (home) rmSync(home, { recursive: true, force: true });
});

async function kubectl(bin: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(bin, ['--kubeconfig', kubeconfig, '-n', ns, ...args], { env: { ...process.env, HOME: home }, timeout: 60_000 });
  return stdout;
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
