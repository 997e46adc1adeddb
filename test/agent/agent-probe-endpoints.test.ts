// Readiness drives Service endpoints: a pod with a real pod IP (a veth between the host and the pod's
// namespace, guarded by unreachable routes for the cluster ranges) is probed from the agent's namespace
// like the kubelet does, and the Endpoints controller moves it between ready and not-ready addresses.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RestClient } from '../../client/rest-client';
import { startControllers, type RunningControllers } from '../../controllers';
import type { PodNetwork, RunningAgent } from '../../node-agent';
import { ShimClient } from '../../node-agent/runtime/shim-client';
import { NetnsLab } from '../network/netns-harness';
import { startAgentTestBed, startBedAgent, waitFor, type AgentTestBed } from './agent-testbed';

const TIMEOUT = { timeout: 90_000 };
const POD_IP = '10.244.250.2';
const sh = (argv: string[]) => execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function removeLink(name: string): void {
  try {
    sh(['ip', 'link', 'del', name]);
  } catch {
    // already gone (with the pod's namespace, or torn down)
  }
}

let bed: AgentTestBed;
let lab: NetnsLab;
let agent: RunningAgent | undefined;
let controllers: RunningControllers | undefined;

before(async () => {
  lab = new NetnsLab();
  lab.guardHost();
  bed = await startAgentTestBed('probe-ep');
  const hostLink = `kapph${randomBytes(3).toString('hex')}`;
  // One veth; the pod's address on its end and a /32 route to it on the host: traffic stays on the pair.
  const network: PodNetwork = {
    async setUp(_pod, netns) {
      sh(['ip', 'link', 'add', hostLink, 'type', 'veth', 'peer', 'name', 'kapeth0', 'netns', netns]);
      lab.onCleanup(() => removeLink(hostLink));
      sh(['ip', 'link', 'set', hostLink, 'up']);
      lab.exec(netns, ['ip', 'addr', 'add', `${POD_IP}/32`, 'dev', 'kapeth0']);
      lab.exec(netns, ['ip', 'link', 'set', 'kapeth0', 'up']);
      lab.exec(netns, ['ip', 'route', 'add', 'default', 'dev', 'kapeth0']);
      sh(['ip', 'route', 'add', `${POD_IP}/32`, 'dev', hostLink]);
      return { ips: [POD_IP] };
    },
    async tearDown() {
      removeLink(hostLink);
    },
  };
  agent = await startBedAgent(bed, { network, heartbeatIntervalMs: 1000, relistIntervalMs: 200 });
  const client = new RestClient({ server: bed.node.api.url, caPem: bed.node.api.caPem, token: bed.node.api.token });
  controllers = await startControllers({ client, resyncMs: 60_000, retryBaseDelayMs: 5, retryMaxDelayMs: 200 });
});

after(async () => {
  try {
    await controllers?.stop();
    await agent?.stop();
  } finally {
    try {
      await bed?.cleanup();
    } finally {
      await lab.cleanup();
    }
  }
  if (process.env.KAPSTAN_AGENT_TEST_LOGS) console.log(bed.logs.join('\n'));
});

type Subset = { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[] };

async function endpointIps(): Promise<{ ready: string[]; notReady: string[] }> {
  let ep: { subsets?: Subset[] } | undefined;
  try {
    ep = (await bed.node.registry.storeFor('', 'v1', 'endpoints').get('default', 'kap-web')) as { subsets?: Subset[] };
  } catch {
    return { ready: [], notReady: [] };
  }
  const subsets = ep.subsets ?? [];
  return {
    ready: subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)),
    notReady: subsets.flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)),
  };
}

test('a pod that fails its httpGet readiness probe (sent to its pod IP) leaves the Service\'s ready addresses, and comes back', TIMEOUT, async () => {
  await bed.node.registry.storeFor('', 'v1', 'services').create('default', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'kap-web' },
    spec: { selector: { app: 'kap-web' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  const { object: pod } = await bed.node.pods.create('default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kap-web-0', labels: { app: 'kap-web' } },
    spec: {
      nodeName: bed.nodeName,
      containers: [{
        name: 'main', image: 'busybox:1.35', command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/ready && exec httpd -f -v -p 8080 -h /www'],
        readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
      }],
    },
  });
  await waitFor('ready endpoint', async () => (await endpointIps()).ready.includes(POD_IP));
  const stateDir = join(bed.dataDir, 'pods', pod.metadata.uid!, 'containers', 'main', '0', 'state');
  const shim = new ShimClient();
  assert.equal((await shim.exec(stateDir, ['rm', '/www/ready'])).exitCode, 0);
  const removedAt = Date.now();
  await waitFor('not-ready endpoint', async () => {
    const ips = await endpointIps();
    return !ips.ready.includes(POD_IP) && ips.notReady.includes(POD_IP);
  });
  console.log(JSON.stringify({ measure: 'readiness file removed → pod IP out of the Service\'s ready addresses', periodSeconds: 1, ms: Date.now() - removedAt }));
  const events = await bed.node.registry.storeFor('', 'v1', 'events').list('default', {});
  const unhealthy = events.items.find((e: any) => e.involvedObject.uid === pod.metadata.uid && e.reason === 'Unhealthy') as any;
  assert.equal(unhealthy?.message, 'Readiness probe failed: HTTP probe failed with statuscode: 404');
  assert.equal((await shim.exec(stateDir, ['sh', '-c', 'echo ok > /www/ready'])).exitCode, 0);
  await waitFor('ready again', async () => (await endpointIps()).ready.includes(POD_IP));
  // The probes came from the agent's namespace to the pod IP (httpd -v logs each client), not from loopback.
  const log = readFileSync(join(bed.dataDir, 'pods', pod.metadata.uid!, 'containers', 'main', '0', 'container.log'), 'utf8');
  assert.doesNotMatch(log, /127\.0\.0\.1/);
  assert.match(log, /\d+\.\d+\.\d+\.\d+/, log);
});
