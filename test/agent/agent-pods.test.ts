// The agent end to end: real etcd, apiserver, node gRPC endpoint, agent, kapstan-shim and kernel.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startAgent, type PodNetwork, type RunningAgent } from '../../node-agent';
import { mountPoints } from '../../node-agent/agent/pod-sandbox';
import { controllerDir, detectCgroupVersion } from '../../node-agent/runtime/cgroups';
import { ShimClient } from '../../node-agent/runtime/shim-client';
import { alive, shimStatesUnder, startAgentTestBed, waitFor, type AgentTestBed } from './agent-testbed';

const TIMEOUT = { timeout: 90_000 };
const run = promisify(execFile);
let bed: AgentTestBed;
let agent: RunningAgent | undefined;

before(async () => {
  bed = await startAgentTestBed('pods');
  try {
    agent = await startAgent({
      server: `https://${bed.node.endpoint}`, token: bed.node.pki.nodeToken, nodeName: bed.nodeName, nodeIp: '127.0.0.1',
      dataDir: bed.dataDir, images: bed.images, log: bed.log,
      heartbeatIntervalMs: 500, relistIntervalMs: 100, retryDelayMs: 200,
      backoff: { initialMs: 400, maxMs: 3_200, resetAfterMs: 600_000 },
    });
    await agent.synced;
  } catch (err) {
    await bed.cleanup();
    throw err;
  }
});

after(async () => {
  try {
    await agent?.stop();
  } finally {
    await bed.cleanup();
  }
  if (process.env.KAPSTAN_AGENT_TEST_LOGS) console.log(bed.logs.join('\n'));
});

type Status = {
  phase: string; hostIP?: string; startTime?: string;
  conditions?: { type: string; status: string }[];
  containerStatuses?: {
    name: string; ready: boolean; restartCount: number; containerID?: string; imageID: string;
    state: Record<string, any>; lastState: Record<string, any>;
  }[];
};

async function statusOf(name: string): Promise<Status | undefined> {
  return (await bed.getPod(name))?.status as Status | undefined;
}

function stateDirOf(uid: string, container: string, attempt: number): string {
  return join(bed.dataDir, 'pods', uid, 'containers', container, String(attempt), 'state');
}

test('the node registers with the machine\'s capacity, labels and a Ready condition', TIMEOUT, async () => {
  const node = await bed.node.registry.storeFor('', 'v1', 'nodes').get('', bed.nodeName);
  const status = node.status as any;
  assert.equal(status.capacity.cpu, String(cpus().length));
  assert.equal(status.capacity.pods, '110');
  assert.match(status.capacity.memory, /^\d+Ki$/);
  assert.match(status.allocatable['ephemeral-storage'], /^\d+Ki$/);
  assert.equal(status.nodeInfo.operatingSystem, 'linux');
  assert.deepEqual(status.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: hostname() }]);
  assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], bed.nodeName);
  assert.equal(node.metadata.labels?.['kubernetes.io/os'], 'linux');
  const ready = await waitFor('Ready=True', async () => {
    const n = await bed.node.registry.storeFor('', 'v1', 'nodes').get('', bed.nodeName);
    return ((n.status as any).conditions as any[]).find((c) => c.type === 'Ready' && c.status === 'True');
  });
  assert.equal(ready.reason, 'KubeletReady');
});

test('a node whose runtime helper is missing reports Ready=False with the reason', TIMEOUT, async () => {
  const broken = await startAgent({
    server: `https://${bed.node.endpoint}`, token: bed.node.pki.nodeToken, nodeName: `${bed.nodeName}-broken`, nodeIp: '127.0.0.1',
    dataDir: join(bed.root, 'broken-data'), images: bed.images, log: bed.log, shimBinary: join(bed.root, 'no-such-shim'),
    heartbeatIntervalMs: 500,
  });
  try {
    const node = await bed.node.registry.storeFor('', 'v1', 'nodes').get('', `${bed.nodeName}-broken`);
    const ready = ((node.status as any).conditions as any[]).find((c) => c.type === 'Ready');
    assert.equal(ready.status, 'False');
    assert.equal(ready.reason, 'KubeletNotReady');
    assert.match(ready.message, /runtime helper .*no-such-shim is missing/);
  } finally {
    await broken.stop();
  }
});

test('a bound pod runs: status Running, PID 1 is the shim\'s process in a PID namespace of its own, hostname = pod name', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-web', {
    containers: [{
      name: 'main', image: 'busybox:1.35', command: ['sh', '-c'], args: ['echo "$POD_NAME/$POD_NS/$NODE"; exec sleep 300'],
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      ],
      resources: { limits: { memory: '64Mi', cpu: '500m' } },
    }],
  });
  const uid = pod.metadata.uid!;
  const status = await waitFor('pod Running', async () => {
    const s = await statusOf('kap-web');
    return s?.phase === 'Running' && s.containerStatuses?.[0]?.state.running ? s : undefined;
  });
  const cs = status.containerStatuses![0];
  assert.equal(cs.ready, true);
  assert.equal(cs.restartCount, 0);
  assert.equal(cs.containerID, `kapstan://${uid}-main-0`);
  assert.match(cs.imageID, /^sha256:[0-9a-f]{64}$/);
  assert.equal(status.hostIP, '127.0.0.1');
  assert.ok(status.startTime);
  assert.deepEqual(status.conditions!.map((c) => `${c.type}=${c.status}`).sort(),
    ['ContainersReady=True', 'Initialized=True', 'PodScheduled=True', 'Ready=True']);

  const shim = new ShimClient();
  const st = await shim.state(stateDirOf(uid, 'main', 0));
  assert.equal(st.status, 'running');
  // The host PID the shim recorded is PID 1 in the container's own PID namespace.
  const nspid = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${st.pid}/status`, 'utf8'))![1].split(/\s+/);
  assert.equal(nspid.at(-1), '1');
  assert.notEqual(readlinkSync(`/proc/${st.pid}/ns/pid`), readlinkSync('/proc/self/ns/pid'));
  const exec = await shim.exec(stateDirOf(uid, 'main', 0), ['sh', '-c', 'hostname; ls /proc | grep -c "^[0-9]"; cat /sys/fs/cgroup/memory/memory.limit_in_bytes']);
  assert.equal(exec.exitCode, 0, exec.stderr);
  const [host, processCount, memLimit] = exec.stdout.trim().split('\n');
  assert.equal(host, 'kap-web');
  // PID 1, the entrypoint (sleep) and this exec's few processes: none of the host's.
  assert.ok(Number(processCount) <= 6, `container sees ${processCount} processes`);
  assert.equal(memLimit, String(64 * 1024 * 1024));
  // The container's cgroup is kapstan/pod<uid>/<container>, with the cpu limit as a CFS quota.
  const cpuDir = controllerDir(`/kapstan/pod${uid}/main`, 'cpu');
  const quotaFile = detectCgroupVersion() === 'v2' ? 'cpu.max' : 'cpu.cfs_quota_us';
  assert.match(readFileSync(join(cpuDir, quotaFile), 'utf8').trim(), /^50000\b/);
  assert.ok(readFileSync(join(cpuDir, 'cgroup.procs'), 'utf8').split('\n').includes(String(st.pid)));
  const log = readFileSync(join(bed.dataDir, 'pods', uid, 'containers', 'main', '0', 'container.log'), 'utf8');
  assert.match(log, new RegExp(` stdout F kap-web/default/${bed.nodeName}\\n`));
  assert.ok(bed.images.requests.some((r) => r.ref === 'busybox:1.35' && r.policy === 'IfNotPresent'));
});

test('deleting a pod sends SIGTERM first, SIGKILL after the grace period, then removes everything', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-term', {
    terminationGracePeriodSeconds: 2,
    containers: [{ name: 'main', image: 'busybox:1.35', command: ['sh', '-c', 'trap "echo term > /got-term" TERM; while true; do sleep 0.1; done'] }],
  });
  const uid = pod.metadata.uid!;
  await waitFor('pod Running', async () => (await statusOf('kap-term'))?.phase === 'Running');
  const st = await new ShimClient().state(stateDirOf(uid, 'main', 0));
  const podDir = join(bed.dataDir, 'pods', uid);
  const cgroupDir = controllerDir(`/kapstan/pod${uid}`, 'memory');
  assert.equal(existsSync(cgroupDir), true);

  await bed.node.pods.delete('default', 'kap-term', {});
  // The trap ran (the file is in the container's upper dir) while the container still runs.
  await waitFor('SIGTERM handled', () => existsSync(join(podDir, 'containers/main/0/upper/got-term')));
  assert.equal(alive(st.pid), true, 'the container outlives SIGTERM during its grace period');
  await waitFor('pod removed from the API', async () => (await bed.getPod('kap-term')) === null);
  assert.equal(alive(st.pid), false);
  assert.equal(alive(st.monitorPid), false);
  assert.equal(existsSync(podDir), false);
  assert.equal(existsSync(cgroupDir), false);
  assert.deepEqual([...mountPoints()].filter((m) => m.includes(uid)), []);
  const events = await bed.node.registry.storeFor('', 'v1', 'events').list('default', {});
  assert.ok(events.items.some((e: any) => e.involvedObject.uid === uid && e.reason === 'Killing'));
});

test('a crashing container goes to CrashLoopBackOff with growing restarts, lastState terminated', TIMEOUT, async () => {
  await bed.createPod('kap-crash', { containers: [{ name: 'main', image: 'busybox:1.35', command: ['sh', '-c', 'echo crash; exit 3'] }] });
  const looping = await waitFor('CrashLoopBackOff', async () => {
    const s = await statusOf('kap-crash');
    const cs = s?.containerStatuses?.[0];
    return cs?.state.waiting?.reason === 'CrashLoopBackOff' && cs.restartCount >= 2 ? s : undefined;
  }, 60_000);
  const cs = looping.containerStatuses![0];
  assert.equal(looping.phase, 'Running'); // restartPolicy Always: the pod is restarting, not done
  assert.equal(cs.lastState.terminated.exitCode, 3);
  assert.equal(cs.lastState.terminated.reason, 'Error');
  assert.match(cs.state.waiting.message, /^back-off \d+s restarting failed container=main$/);
  const later = await waitFor('more restarts', async () => {
    const s = await statusOf('kap-crash');
    return (s?.containerStatuses?.[0]?.restartCount ?? 0) > cs.restartCount ? s : undefined;
  }, 60_000);
  assert.ok(later.containerStatuses![0].restartCount > cs.restartCount);
  const events = await bed.node.registry.storeFor('', 'v1', 'events').list('default', {});
  const reasons = new Set(events.items.filter((e: any) => e.involvedObject.name === 'kap-crash').map((e: any) => e.reason));
  for (const r of ['Pulled', 'Created', 'Started', 'BackOff']) assert.ok(reasons.has(r), `event ${r} missing: ${[...reasons]}`);
  // Only the latest attempt and the one before keep a directory.
  const uid = (await bed.getPod('kap-crash'))!.metadata.uid!;
  assert.ok(readdirSync(join(bed.dataDir, 'pods', uid, 'containers', 'main')).length <= 2);
  assert.ok(shimStatesUnder(join(bed.dataDir, 'pods', uid)).length <= 1);
});

test('restartPolicy Never: init containers run in order first, and a completed app container leaves the pod Succeeded', TIMEOUT, async () => {
  await bed.createPod('kap-init', {
    restartPolicy: 'Never',
    initContainers: [
      { name: 'first', image: 'busybox:1.35', command: ['sh', '-c', 'exit 0'] },
      { name: 'second', image: 'busybox:1.35', command: ['true'] },
    ],
    containers: [{ name: 'main', image: 'busybox:1.35', command: ['sh', '-c', 'exit 0'] }],
  });
  const done = await waitFor('Succeeded', async () => {
    const s = await statusOf('kap-init') as any;
    return s?.phase === 'Succeeded' ? s : undefined;
  });
  const inits = done.initContainerStatuses as any[];
  assert.deepEqual(inits.map((s) => s.state.terminated?.reason), ['Completed', 'Completed']);
  assert.ok(Date.parse(inits[0].state.terminated.finishedAt) <= Date.parse(inits[1].state.terminated.startedAt));
  assert.ok(Date.parse(inits[1].state.terminated.finishedAt) <= Date.parse(done.containerStatuses[0].state.terminated.startedAt));
  assert.equal(done.containerStatuses[0].state.terminated.reason, 'Completed');
  assert.equal(done.containerStatuses[0].restartCount, 0);
});

test('a 64 MiB memory limit OOM-kills a process allocating 200 MiB, reported as OOMKilled', TIMEOUT, async () => {
  await bed.createPod('kap-oom', {
    restartPolicy: 'Never',
    containers: [{
      name: 'main', image: 'busybox:1.35', command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=200M', 'count=1'],
      resources: { limits: { memory: '64Mi' } },
    }],
  });
  const s = await waitFor('Failed', async () => {
    const st = await statusOf('kap-oom');
    return st?.phase === 'Failed' ? st : undefined;
  });
  const terminated = s.containerStatuses![0].state.terminated;
  assert.equal(terminated.reason, 'OOMKilled');
  assert.equal(terminated.exitCode, 137);
  assert.equal(terminated.signal, 9);
});

test('an image that cannot be pulled shows ErrImagePull, then ImagePullBackOff', TIMEOUT, async () => {
  await bed.createPod('kap-noimage', { containers: [{ name: 'main', image: 'example.invalid/nothing:1' }] });
  const first = await waitFor('ErrImagePull', async () => (await statusOf('kap-noimage'))?.containerStatuses?.[0]?.state.waiting);
  assert.ok(['ErrImagePull', 'ImagePullBackOff'].includes(first.reason), first.reason);
  assert.match(first.message, /example\.invalid\/nothing:1/);
  const later = await waitFor('ImagePullBackOff', async () => {
    const w = (await statusOf('kap-noimage'))?.containerStatuses?.[0]?.state.waiting;
    return w?.reason === 'ImagePullBackOff' ? w : undefined;
  });
  assert.equal(later.reason, 'ImagePullBackOff');
  assert.equal((await statusOf('kap-noimage'))?.phase, 'Pending');
});

test('changing a running container\'s image replaces it: SIGTERM to the old one, restartCount 1', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-update', {
    terminationGracePeriodSeconds: 5,
    containers: [{ name: 'main', image: 'busybox:1.35', command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'] }],
  });
  await waitFor('Running', async () => (await statusOf('kap-update'))?.containerStatuses?.[0]?.state.running);
  await bed.node.pods.guaranteedUpdate('default', 'kap-update', undefined, (p) => {
    const spec = structuredClone(p.spec) as any;
    spec.containers[0].image = 'busybox:latest';
    return { ...p, spec };
  }, {}, 'whole');
  const replaced = await waitFor('replaced', async () => {
    const cs = (await statusOf('kap-update'))?.containerStatuses?.[0];
    return cs?.restartCount === 1 && cs.state.running ? cs : undefined;
  });
  assert.equal(replaced.lastState.terminated.exitCode, 0, 'the old container exited through its TERM trap');
  assert.equal(replaced.containerID, `kapstan://${pod.metadata.uid}-main-1`);
  assert.ok(bed.images.requests.some((r) => r.ref === 'busybox:latest'));
});

test('a PodNetwork plumbs the pod\'s own network namespace: podIP in the status, the env and the container', TIMEOUT, async () => {
  // A real (if minimal) network: an address on the pod namespace's loopback, set and removed with ip(8).
  const calls: string[] = [];
  const ip = '10.250.7.9';
  const network: PodNetwork = {
    async setUp(pod, netns) {
      calls.push(`setUp ${pod.name}`);
      await run('nsenter', [`--net=${netns}`, 'ip', 'addr', 'add', `${ip}/32`, 'dev', 'lo']);
      return { ips: [ip] };
    },
    async tearDown(pod, netns) {
      calls.push(`tearDown ${pod.name}`);
      await run('nsenter', [`--net=${netns}`, 'ip', 'addr', 'del', `${ip}/32`, 'dev', 'lo']).catch(() => undefined);
    },
  };
  const netAgent = await startAgent({
    server: `https://${bed.node.endpoint}`, token: bed.node.pki.nodeToken, nodeName: `${bed.nodeName}-net`, nodeIp: '127.0.0.1',
    dataDir: join(bed.root, 'net-data'), images: bed.images, log: bed.log, network, relistIntervalMs: 100,
  });
  try {
    const { object: pod } = await bed.node.pods.create('default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kap-net' },
      spec: {
        nodeName: `${bed.nodeName}-net`,
        containers: [{
          name: 'main', image: 'busybox:1.35', command: ['sleep', '300'],
          env: [{ name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
        }],
      },
    });
    const status = await waitFor('Running with a podIP', async () => {
      const s = await statusOf('kap-net') as any;
      return s?.phase === 'Running' && s.podIP ? s : undefined;
    });
    assert.equal(status.podIP, ip);
    assert.deepEqual(status.podIPs, [{ ip }]);
    const stateDir = join(bed.root, 'net-data', 'pods', pod.metadata.uid!, 'containers', 'main', '0', 'state');
    const res = await new ShimClient().exec(stateDir, ['sh', '-c', 'echo $MY_IP; ip -o addr show dev lo']);
    assert.equal(res.exitCode, 0, res.stderr);
    const [envIp, ...addrs] = res.stdout.trim().split('\n');
    assert.equal(envIp, ip);
    assert.ok(addrs.some((l) => l.includes(`inet ${ip}/32`)), res.stdout);
    await bed.node.pods.delete('default', 'kap-net', { gracePeriodSeconds: 0 });
    await waitFor('pod removed', async () => (await bed.getPod('kap-net')) === null);
    await waitFor('network torn down', () => calls.includes('tearDown kap-net'));
    assert.deepEqual(calls, ['setUp kap-net', 'tearDown kap-net']);
  } finally {
    await netAgent.stop();
  }
});
