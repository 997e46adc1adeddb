// hostNetwork: true pods end to end (real etcd, apiserver, agent, shim, namespaces): the containers stay
// in the node's network namespace (no pod netns, no PodNetwork call), podIP = hostIP = the node's IP,
// hostname = the node name in a UTS namespace of the pod's own, and the node's /etc/hosts. The pod's
// httpd listens on 127.0.0.1 only and is reached from the host on loopback.
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { after, before, test } from 'node:test';
import { ApiError } from '../../api/errors';
import type { PodNetwork, RunningAgent } from '../../node-agent';
import { mountPoints } from '../../node-agent/agent/pod-sandbox';
import { shimStatesUnder, startAgentTestBed, startBedAgent, waitFor, type AgentTestBed } from './agent-testbed';

let bed: AgentTestBed;
let agent: RunningAgent;
const networkCalls: string[] = [];

/** Records which pods asked for a pod network; hostNetwork pods must never. */
const recordingNetwork: PodNetwork = {
  async setUp(pod) {
    networkCalls.push(pod.name);
    throw new Error(`no pod network in this test (asked for ${pod.name})`);
  },
  async tearDown(pod) {
    networkCalls.push(`teardown ${pod.name}`);
  },
};

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function getLoopback(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: 2_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Interface names of a /proc/net/dev listing. */
function interfaces(netDev: string): string[] {
  return netDev.split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean);
}

before(async () => {
  bed = await startAgentTestBed('hostnet');
  agent = await startBedAgent(bed, { network: recordingNetwork });
});

after(async () => {
  await agent?.stop();
  await bed?.cleanup();
});

test('a hostNetwork pod runs in the node network namespace; podIP = hostIP; its loopback httpd answers the host', { timeout: 90_000 }, async () => {
  const port = await freeLoopbackPort();
  const script = [
    'mkdir -p /www',
    'cat /proc/net/dev > /www/netdev',
    'hostname > /www/hostname',
    'cat /etc/hosts > /www/hosts',
    `exec httpd -f -p 127.0.0.1:${port} -h /www`,
  ].join(' && ');
  const created = await bed.createPod('kap-hostnet', {
    hostNetwork: true,
    containers: [{ name: 'web', image: 'busybox:1.35', command: ['sh', '-c', script], ports: [{ containerPort: port }] }],
  });
  // Defaulting gave the port its hostPort (what the scheduler's NodePorts filter counts).
  const ports = (created.spec as { containers: { ports: { hostPort?: number }[] }[] }).containers[0].ports;
  assert.equal(ports[0].hostPort, port);

  const status = await waitFor('the pod running with its IP', async () => {
    const s = (await bed.getPod('kap-hostnet'))?.status as { phase?: string; podIP?: string; hostIP?: string; podIPs?: { ip: string }[] } | undefined;
    return s?.phase === 'Running' && s.podIP ? s : undefined;
  }, 60_000);
  assert.equal(status.hostIP, '127.0.0.1');
  assert.equal(status.podIP, status.hostIP);
  assert.deepEqual(status.podIPs, [{ ip: '127.0.0.1' }]);

  // Reached from the host on loopback: only the node's own network namespace has this listener.
  const netDev = await waitFor('the pod httpd on 127.0.0.1', () => getLoopback(port, '/netdev').catch(() => undefined), 30_000);
  const seen = interfaces(netDev);
  const host = interfaces(readFileSync('/proc/net/dev', 'utf8'));
  assert.ok(seen.includes('lo'), seen.join(' '));
  // A pod network namespace would list lo alone (plus its eth0); the host's devices show up here.
  const hostDevices = host.filter((n) => n !== 'lo');
  assert.ok(hostDevices.length > 0, 'the test machine has a network device besides lo');
  assert.ok(seen.some((n) => hostDevices.includes(n)), `container sees ${seen.join(' ')}; host has ${host.join(' ')}`);
  const defaultRouteDev = readFileSync('/proc/net/route', 'utf8').split('\n').slice(1).map((l) => l.split('\t')).find((f) => f[1] === '00000000')?.[0];
  if (defaultRouteDev) assert.ok(seen.includes(defaultRouteDev), `the default route's ${defaultRouteDev} is visible in the container`);

  assert.equal((await getLoopback(port, '/hostname')).trim(), bed.nodeName);
  assert.match(await getLoopback(port, '/hosts'), /^# Kubernetes-managed hosts file \(host network\)\./);

  // The container's namespaces: the node's network one, but a UTS namespace of its own (the machine's
  // hostname is untouched).
  const uid = (await bed.getPod('kap-hostnet'))!.metadata.uid!;
  const state = shimStatesUnder(bed.dataDir).find((s) => s.stateDir.includes(uid) && s.status === 'running');
  assert.ok(state, 'a running container of the pod');
  assert.equal(readlinkSync(`/proc/${state.pid}/ns/net`), readlinkSync('/proc/self/ns/net'));
  assert.notEqual(readlinkSync(`/proc/${state.pid}/ns/uts`), readlinkSync('/proc/self/ns/uts'));
  assert.notEqual(hostname(), bed.nodeName);

  // Deleted: the containers stop, the sandbox's IPC/UTS mounts go, and the node's network is left alone.
  await bed.node.pods.delete('default', 'kap-hostnet', { gracePeriodSeconds: 1 });
  await waitFor('the pod gone', async () => !(await bed.getPod('kap-hostnet')), 30_000);
  assert.ok(![...mountPoints()].some((m) => m.includes(uid)), 'no mount of the pod left');
  await assert.rejects(getLoopback(port, '/hostname'));
  assert.ok(interfaces(readFileSync('/proc/net/dev', 'utf8')).includes('lo'));
  assert.deepEqual(networkCalls.filter((c) => c.includes('kap-hostnet')), [], 'no PodNetwork call for a hostNetwork pod');
});

test('hostNetwork pods must use hostPort = containerPort (422 naming the field)', async () => {
  await assert.rejects(
    bed.createPod('kap-hostnet-bad', {
      hostNetwork: true,
      containers: [{ name: 'web', image: 'busybox:1.35', ports: [{ containerPort: 8080, hostPort: 9090 }] }],
    }),
    (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 'Invalid');
      assert.ok(err.details?.causes?.some((c) => c.field === 'spec.containers[0].ports[0].hostPort'), JSON.stringify(err.details));
      return true;
    },
  );
});
