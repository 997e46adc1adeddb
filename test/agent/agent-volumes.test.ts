// Volumes, env from ConfigMaps/Secrets and the pod's /etc files, end to end: real etcd, apiserver, node
// gRPC endpoint, agent, kapstan-shim and kernel (bind mounts, tmpfs).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import type { PodNetwork, RunningAgent } from '../../node-agent';
import { mountPoints } from '../../node-agent/agent/pod-sandbox';
import { ShimClient } from '../../node-agent/runtime/shim-client';
import { startAgentTestBed, startBedAgent, waitFor, type AgentTestBed } from './agent-testbed';

const TIMEOUT = { timeout: 90_000 };
const POD_IP = '10.250.0.77';
const run = promisify(execFile);
const shim = new ShimClient();
let bed: AgentTestBed;
let agent: RunningAgent | undefined;

// A minimal real network: the pod's address on its own namespace's loopback (no traffic leaves it).
const network: PodNetwork = {
  async setUp(_pod, netns) {
    await run('nsenter', [`--net=${netns}`, 'ip', 'addr', 'add', `${POD_IP}/32`, 'dev', 'lo']);
    return { ips: [POD_IP] };
  },
  async tearDown() {},
};

before(async () => {
  bed = await startAgentTestBed('volumes');
  agent = await startBedAgent(bed, {
    network, volumeResyncMs: 500, backoff: { initialMs: 300, maxMs: 1_000, resetAfterMs: 600_000 },
    clusterDns: { ip: '10.96.0.10', domain: 'cluster.local' },
  });
});

after(async () => {
  try {
    await agent?.stop();
  } finally {
    await bed.cleanup();
  }
  if (process.env.KAPSTAN_AGENT_TEST_LOGS) console.log(bed.logs.join('\n'));
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function put(kind: 'ConfigMap' | 'Secret', name: string, data: Record<string, string>): Promise<void> {
  const store = bed.node.registry.storeFor('', 'v1', kind === 'ConfigMap' ? 'configmaps' : 'secrets');
  const body = kind === 'Secret' ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) : data;
  try {
    await store.guaranteedUpdate('default', name, undefined, (cur) => ({ ...cur, data: body }), {}, 'whole');
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'NotFound')) throw err;
    await store.create('default', { apiVersion: 'v1', kind, metadata: { name }, data: body });
  }
}

function stateDir(pod: KubeObject, container: string, attempt = 0): string {
  return join(bed.dataDir, 'pods', pod.metadata.uid!, 'containers', container, String(attempt), 'state');
}

/** Runs a command in the container (as kubectl exec does); fails the test on a non-zero exit. */
async function exec(pod: KubeObject, container: string, script: string): Promise<string> {
  const res = await shim.exec(stateDir(pod, container), ['sh', '-c', script]);
  assert.equal(res.exitCode, 0, `${script}: ${res.stderr}`);
  return res.stdout;
}

async function containerState(name: string, container = 'main'): Promise<Record<string, any> | undefined> {
  const pod = await bed.getPod(name);
  return ((pod?.status as any)?.containerStatuses as any[] | undefined)?.find((c) => c.name === container)?.state;
}

const running = (name: string, container = 'main') => waitFor(`${name}/${container} running`, async () => (await containerState(name, container))?.running);

async function eventsOf(name: string): Promise<{ reason: string; message: string }[]> {
  const events = await bed.node.registry.storeFor('', 'v1', 'events').list('default', {});
  return events.items.filter((e: any) => e.involvedObject.name === name) as any[];
}

const SLEEP = ['sleep', '3600'];

test('env from a ConfigMap and a Secret, and envFrom with a prefix', TIMEOUT, async () => {
  // 9LIVES and 2FA are valid keys but not env names: with a prefix they are, without they are skipped.
  await put('ConfigMap', 'kap-env-cm', { MODE: 'fast', '9LIVES': 'cat' });
  await put('Secret', 'kap-env-secret', { password: 'hunter2', '2FA': 'skipped' });
  const pod = await bed.createPod('kap-env', {
    containers: [{
      name: 'main', image: 'busybox:1.35', command: SLEEP, resources: { requests: { cpu: '100m' } },
      envFrom: [{ configMapRef: { name: 'kap-env-cm' }, prefix: 'CM_' }, { secretRef: { name: 'kap-env-secret' } }],
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'kap-env-cm', key: 'MODE' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'kap-env-secret', key: 'password' } } },
        { name: 'MAYBE', valueFrom: { secretKeyRef: { name: 'kap-absent', key: 'x', optional: true } } },
        { name: 'CPU_REQUEST', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
      ],
    }],
  });
  await running('kap-env');
  const env = await exec(pod, 'main', 'env');
  assert.match(env, /^MODE=fast$/m);
  assert.match(env, /^PASSWORD=hunter2$/m);
  assert.match(env, /^CPU_REQUEST=100$/m);
  assert.match(env, /^CM_MODE=fast$/m);
  assert.match(env, /^CM_9LIVES=cat$/m);
  assert.match(env, /^password=hunter2$/m);
  assert.doesNotMatch(env, /MAYBE|2FA/);
  await waitFor('InvalidEnvironmentVariableNames event', async () => (await eventsOf('kap-env')).some((e) =>
    e.reason === 'InvalidEnvironmentVariableNames' && e.message.startsWith('Keys [2FA] from the EnvFrom secret default/kap-env-secret were skipped')));
});

test('a missing ConfigMap is CreateContainerConfigError with an event; the container starts once it exists', TIMEOUT, async () => {
  await bed.createPod('kap-late', {
    containers: [{ name: 'main', image: 'busybox:1.35', command: SLEEP, envFrom: [{ configMapRef: { name: 'kap-late-cm' } }] }],
  });
  const waiting = await waitFor('CreateContainerConfigError', async () => (await containerState('kap-late'))?.waiting?.reason === 'CreateContainerConfigError' && (await containerState('kap-late'))!.waiting);
  assert.equal(waiting.message, 'configmap "kap-late-cm" not found');
  await waitFor('Failed event', async () => (await eventsOf('kap-late')).some((e) => e.reason === 'Failed' && e.message.includes('configmap "kap-late-cm" not found')));
  await put('ConfigMap', 'kap-late-cm', { LATE: 'yes' });
  await running('kap-late');
});

test('configMap and secret volumes: content, modes, read-only, and updates through the ..data swap', TIMEOUT, async () => {
  await put('ConfigMap', 'kap-vol-cm', { greeting: 'hello', other: 'x' });
  await put('Secret', 'kap-vol-secret', { token: 's3cret' });
  const pod = await bed.createPod('kap-files', {
    containers: [{
      name: 'main', image: 'busybox:1.35', command: SLEEP, resources: { limits: { memory: '48Mi' } },
      volumeMounts: [
        { name: 'cfg', mountPath: '/cfg' },
        { name: 'sec', mountPath: '/sec' },
        { name: 'one', mountPath: '/etc/one.conf', subPath: 'greeting' },
        { name: 'meta', mountPath: '/meta' },
      ],
    }],
    volumes: [
      { name: 'cfg', configMap: { name: 'kap-vol-cm', items: [{ key: 'greeting', path: 'conf/greeting', mode: 0o600 }] } },
      { name: 'sec', secret: { secretName: 'kap-vol-secret', defaultMode: 0o400 } },
      { name: 'one', configMap: { name: 'kap-vol-cm' } },
      {
        name: 'meta', downwardAPI: { items: [
          { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
          { path: 'mem', resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' } },
        ] },
      },
    ],
  });
  await running('kap-files');
  assert.equal(await exec(pod, 'main', 'cat /cfg/conf/greeting'), 'hello');
  assert.equal(await exec(pod, 'main', 'stat -L -c %a /cfg/conf/greeting /sec/token'), '600\n400\n');
  assert.equal(await exec(pod, 'main', 'cat /sec/token'), 's3cret');
  assert.equal(await exec(pod, 'main', 'cat /etc/one.conf'), 'hello');
  assert.equal(await exec(pod, 'main', 'cat /meta/name'), 'kap-files');
  assert.equal(await exec(pod, 'main', 'cat /meta/mem'), '48');
  assert.equal(await exec(pod, 'main', 'test ! -e /cfg/other && echo only-items'), 'only-items\n');
  assert.match(await exec(pod, 'main', 'touch /cfg/new 2>&1 || echo refused'), /Read-only file system/);
  // The secret's files never touch the node's disk: its volume is a tmpfs.
  const secretDir = join(bed.dataDir, 'pods', pod.metadata.uid!, 'volumes', 'kubernetes.io~secret', 'sec');
  assert.equal(mountPoints().has(secretDir), true);

  await put('ConfigMap', 'kap-vol-cm', { greeting: 'bonjour' });
  await put('Secret', 'kap-vol-secret', { token: 'rotated' });
  await waitFor('configMap file updated in the container', async () => (await exec(pod, 'main', 'cat /cfg/conf/greeting')) === 'bonjour');
  await waitFor('secret file updated in the container', async () => (await exec(pod, 'main', 'cat /sec/token')) === 'rotated');
  assert.equal(await exec(pod, 'main', 'readlink /cfg/..data | grep -c "^\\.\\.[0-9]"'), '1\n');
});

test('an emptyDir is shared by the containers of a pod (also through a subPath); medium Memory is a tmpfs of sizeLimit', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-shared', {
    containers: [
      {
        name: 'writer', image: 'busybox:1.35', command: ['sh', '-c', 'echo from-writer > /shared/msg; mkdir -p /shared/inner; echo deep > /shared/inner/f; exec sleep 3600'],
        volumeMounts: [{ name: 'scratch', mountPath: '/shared' }],
      },
      {
        name: 'reader', image: 'busybox:1.35', command: SLEEP,
        volumeMounts: [{ name: 'scratch', mountPath: '/data' }, { name: 'scratch', mountPath: '/sub', subPath: 'inner' }, { name: 'mem', mountPath: '/mem' }],
      },
    ],
    volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } }],
  });
  await running('kap-shared', 'writer');
  await running('kap-shared', 'reader');
  await waitFor('the writer\'s file seen by the reader', async () => (await exec(pod, 'reader', 'cat /data/msg 2>/dev/null || true')) === 'from-writer\n');
  await waitFor('the subPath shows the inner directory', async () => (await exec(pod, 'reader', 'cat /sub/f 2>/dev/null || true')) === 'deep\n');
  const df = await exec(pod, 'reader', 'grep " /mem " /proc/mounts');
  assert.match(df, /^tmpfs \/mem tmpfs .*size=8192k/);
});

test('a hostPath of type Directory that does not exist keeps the pod from starting, with the reason', TIMEOUT, async () => {
  const missing = join(bed.root, 'no-such-dir');
  const existing = join(bed.root, 'host-dir');
  await mkdir(existing);
  await bed.createPod('kap-hostpath', {
    containers: [{ name: 'main', image: 'busybox:1.35', command: SLEEP, volumeMounts: [{ name: 'h', mountPath: '/h' }, { name: 'ok', mountPath: '/ok' }] }],
    volumes: [{ name: 'ok', hostPath: { path: existing, type: 'Directory' } }, { name: 'h', hostPath: { path: missing, type: 'Directory' } }],
  });
  const waiting = await waitFor('waiting with the mount failure', async () => (await containerState('kap-hostpath'))?.waiting?.message && (await containerState('kap-hostpath'))!.waiting);
  assert.equal(waiting.reason, 'ContainerCreating');
  assert.match(waiting.message, new RegExp(`MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${missing} is not a directory`));
  await waitFor('FailedMount event', async () => (await eventsOf('kap-hostpath')).some((e) => e.reason === 'FailedMount'));
  assert.equal(existsSync(missing), false, 'type Directory never creates the path');

  // DirectoryOrCreate creates it, and what the container writes is on the host.
  const made = join(bed.root, 'made-dir');
  const pod = await bed.createPod('kap-hostpath-create', {
    containers: [{ name: 'main', image: 'busybox:1.35', command: ['sh', '-c', 'echo hi > /h/out; exec sleep 3600'], volumeMounts: [{ name: 'h', mountPath: '/h' }] }],
    volumes: [{ name: 'h', hostPath: { path: made, type: 'DirectoryOrCreate' } }],
  });
  await running('kap-hostpath-create');
  await waitFor('file written through the hostPath', () => existsSync(join(made, 'out')));
  assert.equal(readFileSync(join(made, 'out'), 'utf8'), 'hi\n');
  assert.ok(pod);
});

test('/etc/hosts and /etc/resolv.conf are the pod\'s own', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-etc', {
    hostAliases: [{ ip: '10.250.0.5', hostnames: ['db.local', 'cache.local'] }],
    dnsConfig: { options: [{ name: 'ndots', value: '2' }] },
    containers: [{ name: 'main', image: 'busybox:1.35', command: SLEEP }],
  });
  await running('kap-etc');
  const hosts = await exec(pod, 'main', 'cat /etc/hosts');
  assert.match(hosts, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
  assert.match(hosts, new RegExp(`\\n${POD_IP.replace(/\./g, '\\.')}\\tkap-etc\\n`));
  assert.match(hosts, /\n10\.250\.0\.5\tdb\.local\tcache\.local\n$/);
  const resolv = await exec(pod, 'main', 'cat /etc/resolv.conf');
  assert.equal(resolv, 'nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local' +
    `${nodeSearchSuffix()}\noptions ndots:2\n`);
});

/** The node's search domains, which ClusterFirst appends after the cluster's. */
function nodeSearchSuffix(): string {
  const conf = readFileSync('/etc/resolv.conf', 'utf8');
  let searches: string[] = [];
  for (const line of conf.split('\n')) {
    const [k, ...v] = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (k === 'search' || k === 'domain') searches = v.filter(Boolean);
  }
  return searches.length ? ` ${searches.join(' ')}` : '';
}

test('a node reads only the ConfigMaps and Secrets its pods reference (PermissionDenied otherwise)', TIMEOUT, async () => {
  const other = `${bed.nodeName}-other`;
  const client = await bed.node.registeredNode(other);
  await put('Secret', 'kap-unreferenced', { k: 'v' });
  await put('Secret', 'kap-referenced', { k: 'v' });
  await bed.node.pods.create('default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kap-other-pod' },
    spec: {
      nodeName: other,
      containers: [{ name: 'main', image: 'busybox:1.35', envFrom: [{ secretRef: { name: 'kap-referenced' } }, { configMapRef: { name: 'kap-not-there' } }] }],
    },
  });
  const secret = await client.getPodObject('Secret', 'default', 'kap-referenced');
  assert.equal((secret.data as Record<string, string>).k, b64('v'));
  await assert.rejects(client.getPodObject('Secret', 'default', 'kap-unreferenced'), (err: ApiError) =>
    err.code === 'Forbidden' && /no relationship found between node/.test(err.message));
  // The agent's own node references kap-vol-secret, the other node does not.
  await assert.rejects(client.getPodObject('Secret', 'default', 'kap-vol-secret'), (err: ApiError) => err.code === 'Forbidden');
  await assert.rejects(client.getPodObject('ConfigMap', 'default', 'kap-not-there'), (err: ApiError) => err.code === 'NotFound');
  await bed.node.pods.delete('default', 'kap-other-pod', { gracePeriodSeconds: 0 });
});

test('after the pods are deleted no mount under the agent\'s data dir remains', TIMEOUT, async () => {
  const pods = await bed.node.pods.list('default', {});
  const ours = pods.items.filter((p) => (p.spec as any).nodeName === bed.nodeName);
  assert.ok(ours.length >= 6, `${ours.length} pods of this node`);
  for (const p of ours) await bed.node.pods.delete('default', p.metadata.name!, { gracePeriodSeconds: 0 });
  for (const p of ours) await waitFor(`${p.metadata.name} removed`, async () => (await bed.getPod(p.metadata.name!)) === null);
  await waitFor('pod dirs removed', () => ours.every((p) => !existsSync(join(bed.dataDir, 'pods', p.metadata.uid!))));
  assert.deepEqual([...mountPoints()].filter((m) => m.startsWith(`${bed.dataDir}/`)), []);
});
