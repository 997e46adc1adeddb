// Probes, lifecycle hooks and stop signals end to end: real etcd, apiserver, agent, kapstan-shim and
// kernel. The pods have no pod network, so httpGet/tcpSocket probes reach them through
// `kapstan-shim connect` inside the pod's network namespace (loopback only).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiError } from '../../api/errors';
import type { RunningAgent } from '../../node-agent';
import type { ImageProvider } from '../../node-agent/agent/image-provider';
import { ShimClient } from '../../node-agent/runtime/shim-client';
import { alive, startAgentTestBed, startBedAgent, waitFor, type AgentTestBed } from './agent-testbed';

const TIMEOUT = { timeout: 90_000 };
let bed: AgentTestBed;
let agent: RunningAgent | undefined;
// busybox, plus the same image with an OCI StopSignal in its config.
const images: ImageProvider = {
  async ensureImage(ref, policy) {
    if (ref !== 'busybox:stopsignal') return bed.images.ensureImage(ref, policy);
    const image = await bed.images.ensureImage('busybox:1.35', policy);
    return { ...image, config: { ...image.config, stopSignal: 'SIGUSR1' } };
  },
};
const agentOptions = { images, heartbeatIntervalMs: 1000, relistIntervalMs: 200 };

before(async () => {
  bed = await startAgentTestBed('probes');
  agent = await startBedAgent(bed, agentOptions);
});

after(async () => {
  try {
    await agent?.stop();
  } finally {
    await bed.cleanup();
  }
  if (process.env.KAPSTAN_AGENT_TEST_LOGS) console.log(bed.logs.join('\n'));
});

type ContainerStatus = { name: string; ready: boolean; started: boolean; restartCount: number; state: Record<string, any>; lastState: Record<string, any> };
type Status = { phase: string; conditions?: { type: string; status: string }[]; containerStatuses?: ContainerStatus[] };

async function statusOf(name: string): Promise<Status | undefined> {
  return (await bed.getPod(name))?.status as Status | undefined;
}

function condition(s: Status | undefined, type: string): string | undefined {
  return s?.conditions?.find((c) => c.type === type)?.status;
}

async function eventsOf(uid: string): Promise<{ reason: string; message: string; count: number }[]> {
  const events = await bed.node.registry.storeFor('', 'v1', 'events').list('default', {});
  return events.items.filter((e: any) => e.involvedObject.uid === uid) as any;
}

function stateDirOf(uid: string, container: string, attempt: number): string {
  return join(bed.dataDir, 'pods', uid, 'containers', container, String(attempt), 'state');
}

async function execIn(uid: string, cmd: string): Promise<void> {
  const res = await new ShimClient().exec(stateDirOf(uid, 'main', 0), ['sh', '-c', cmd]);
  assert.equal(res.exitCode, 0, res.stderr);
}

test('httpGet readiness (named port) flips ready and the pod\'s Ready condition as the served file comes and goes', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-ready-http', {
    containers: [{
      name: 'main', image: 'busybox:1.35', command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/healthz && exec httpd -f -p 8080 -h /www'],
      ports: [{ name: 'http', containerPort: 8080 }],
      readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
    }],
  });
  const uid = pod.metadata.uid!;
  const ready = await waitFor('Ready', async () => {
    const s = await statusOf('kap-ready-http');
    return condition(s, 'Ready') === 'True' ? s : undefined;
  });
  assert.equal(ready.containerStatuses![0].ready, true);
  assert.equal(condition(ready, 'ContainersReady'), 'True');

  await execIn(uid, 'rm /www/healthz');
  const removedAt = Date.now();
  const unready = await waitFor('Ready=False', async () => {
    const s = await statusOf('kap-ready-http');
    return condition(s, 'Ready') === 'False' ? s : undefined;
  });
  const latency = Date.now() - removedAt;
  assert.equal(unready.containerStatuses![0].ready, false);
  assert.equal(unready.containerStatuses![0].state.running !== undefined, true, 'an unready container keeps running');
  assert.equal(unready.containerStatuses![0].restartCount, 0);
  assert.equal(unready.phase, 'Running');
  const events = await eventsOf(uid);
  assert.ok(events.some((e) => e.reason === 'Unhealthy' && e.message === 'Readiness probe failed: HTTP probe failed with statuscode: 404'), JSON.stringify(events));
  console.log(JSON.stringify({ measure: 'readiness file removed → Ready=False in the API', periodSeconds: 1, ms: latency }));

  await execIn(uid, 'echo ok > /www/healthz');
  await waitFor('Ready again', async () => condition(await statusOf('kap-ready-http'), 'Ready') === 'True');
});

test('tcpSocket readiness: unready until something listens on the port', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-ready-tcp', {
    containers: [{
      name: 'main', image: 'busybox:1.35', command: ['sh', '-c', 'while [ ! -e /listen ]; do sleep 0.1; done; exec httpd -f -p 9000 -h /'],
      readinessProbe: { tcpSocket: { port: 9000 }, periodSeconds: 1 },
    }],
  });
  const uid = pod.metadata.uid!;
  await waitFor('Running', async () => (await statusOf('kap-ready-tcp'))?.containerStatuses?.[0]?.state.running);
  await waitFor('a failed tcp probe', async () => (await eventsOf(uid)).find((e) => e.reason === 'Unhealthy'));
  const events = await eventsOf(uid);
  assert.match(events.find((e) => e.reason === 'Unhealthy')!.message, /^Readiness probe failed: dial tcp 127\.0\.0\.1:9000: connect: connection refused$/);
  const s = await statusOf('kap-ready-tcp');
  assert.equal(s?.containerStatuses?.[0].ready, false);
  assert.equal(condition(s, 'Ready'), 'False');
  await execIn(uid, 'touch /listen');
  await waitFor('Ready', async () => condition(await statusOf('kap-ready-tcp'), 'Ready') === 'True');
});

test('a failing liveness exec probe restarts the container: Unhealthy with the output, Killing, restartCount grows', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-live', {
    terminationGracePeriodSeconds: 2,
    containers: [{
      name: 'main', image: 'busybox:1.35', command: ['sleep', '600'],
      livenessProbe: { exec: { command: ['sh', '-c', 'echo not alive; exit 1'] }, periodSeconds: 1, failureThreshold: 2 },
    }],
  });
  const uid = pod.metadata.uid!;
  const restarted = await waitFor('restarted', async () => {
    const cs = (await statusOf('kap-live'))?.containerStatuses?.[0];
    return cs && cs.restartCount >= 1 ? cs : undefined;
  }, 60_000);
  assert.ok(restarted.lastState.terminated, JSON.stringify(restarted));
  assert.equal(restarted.lastState.terminated.exitCode, 143, 'stopped by SIGTERM within its grace period');
  const events = await eventsOf(uid);
  const unhealthy = events.find((e) => e.reason === 'Unhealthy');
  assert.equal(unhealthy?.message, 'Liveness probe failed: not alive\n');
  assert.ok(unhealthy!.count >= 2, 'repeated failures aggregate into one event');
  assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Container main failed liveness probe, will be restarted'), JSON.stringify(events));
  await waitFor('restarted again', async () => ((await statusOf('kap-live'))?.containerStatuses?.[0]?.restartCount ?? 0) >= 2, 60_000);
});

test('a startup probe that never succeeds kills the container after failureThreshold and holds back liveness', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-startup', {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 2,
    containers: [{
      name: 'main', image: 'busybox:1.35', command: ['sleep', '600'],
      startupProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 3 },
      livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1 },
      readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
    }],
  });
  const uid = pod.metadata.uid!;
  const running = await waitFor('running', async () => (await statusOf('kap-startup'))?.containerStatuses?.[0]?.state.running ? statusOf('kap-startup') : undefined);
  assert.equal(running!.containerStatuses![0].started, false);
  assert.equal(running!.containerStatuses![0].ready, false);
  const failed = await waitFor('Failed', async () => {
    const s = await statusOf('kap-startup');
    return s?.phase === 'Failed' ? s : undefined;
  }, 60_000);
  const cs = failed.containerStatuses![0];
  assert.equal(cs.state.terminated.exitCode, 143);
  assert.equal(cs.restartCount, 0);
  const events = await eventsOf(uid);
  const startup = events.find((e) => e.reason === 'Unhealthy' && e.message.startsWith('Startup probe failed'));
  assert.ok(startup && startup.count >= 3, JSON.stringify(events));
  assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Container main failed startup probe'));
  assert.ok(!events.some((e) => e.message.startsWith('Liveness') || e.message.startsWith('Readiness')), 'liveness/readiness never ran before startup succeeded');
});

test('preStop exec runs before SIGTERM, inside the grace period', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-prestop', {
    terminationGracePeriodSeconds: 3,
    containers: [{
      name: 'main', image: 'busybox:1.35',
      // The TERM trap records the order and keeps running, so the grace period ends in SIGKILL.
      command: ['sh', '-c', 'trap "echo term >> /order" TERM; echo started > /order; while true; do sleep 0.1; done'],
      lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop >> /order'] } } },
    }],
  });
  const uid = pod.metadata.uid!;
  await waitFor('Running', async () => (await statusOf('kap-prestop'))?.containerStatuses?.[0]?.state.running);
  const st = await new ShimClient().state(stateDirOf(uid, 'main', 0));
  const order = join(bed.dataDir, 'pods', uid, 'containers/main/0/upper/order');
  await bed.node.pods.delete('default', 'kap-prestop', {});
  await waitFor('SIGTERM handled', () => existsSync(order) && readFileSync(order, 'utf8').includes('term'));
  assert.equal(readFileSync(order, 'utf8'), 'started\nprestop\nterm\n');
  assert.equal(alive(st.pid), true, 'the container still runs until the grace period ends');
  await waitFor('pod removed', async () => (await bed.getPod('kap-prestop')) === null, 30_000);
  assert.equal(alive(st.pid), false);
});

test('the image\'s StopSignal stops the container instead of SIGTERM', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-stopsignal', {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 5,
    containers: [{
      name: 'main', image: 'busybox:stopsignal',
      command: ['sh', '-c', 'trap "echo usr1 > /got; exit 0" USR1; trap "echo term > /got; exit 0" TERM; touch /up; while true; do sleep 0.1; done'],
      // A failing liveness probe makes the agent stop the container (and keep it, restartPolicy Never).
      livenessProbe: { exec: { command: ['sh', '-c', '! test -e /up'] }, periodSeconds: 1, failureThreshold: 1 },
    }],
  });
  const uid = pod.metadata.uid!;
  const done = await waitFor('Succeeded', async () => {
    const s = await statusOf('kap-stopsignal');
    return s?.phase === 'Succeeded' ? s : undefined;
  }, 60_000);
  assert.equal(done.containerStatuses![0].state.terminated.exitCode, 0);
  assert.equal(readFileSync(join(bed.dataDir, 'pods', uid, 'containers/main/0/upper/got'), 'utf8'), 'usr1\n');
});

test('a failing postStart hook kills the container: FailedPostStartHook event', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-poststart', {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 1,
    containers: [{
      name: 'main', image: 'busybox:1.35', command: ['sleep', '600'],
      lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo no way; exit 7'] } } },
    }],
  });
  const uid = pod.metadata.uid!;
  const failed = await waitFor('Failed', async () => {
    const s = await statusOf('kap-poststart');
    return s?.phase === 'Failed' ? s : undefined;
  }, 60_000);
  assert.equal(failed.containerStatuses![0].restartCount, 0);
  const events = await eventsOf(uid);
  const hook = events.find((e) => e.reason === 'FailedPostStartHook');
  assert.ok(hook, JSON.stringify(events));
  assert.match(hook.message, /^Exec lifecycle hook \(\["sh","-c","echo no way; exit 7"\]\) for Container "main" in Pod "default\/kap-poststart" failed - error: .*exited with 7.*message: "no way\\n"$/);
});

test('the apiserver rejects a probe with two handlers and a hook with none: 422 with every field path', TIMEOUT, async () => {
  const err = await bed.createPod('kap-bad-probe', {
    containers: [{
      name: 'main', image: 'busybox:1.35',
      readinessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } },
      lifecycle: { preStop: {} },
    }],
  }).then(() => undefined, (e: ApiError) => e);
  assert.ok(err instanceof ApiError, 'the pod was accepted');
  assert.equal(err.httpStatus, 422);
  assert.deepEqual(err.details?.causes?.map((c) => c.field).sort(), ['spec.containers[0].lifecycle.preStop', 'spec.containers[0].readinessProbe.tcpSocket']);
});

test('a restarted agent re-adopts a started container without probing its startup again', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-readopt', {
    containers: [{
      name: 'main', image: 'busybox:1.35', command: ['sleep', '600'],
      // Succeeds once only: probing startup again after the restart would kill the container.
      startupProbe: { exec: { command: ['sh', '-c', 'test ! -e /probed && touch /probed'] }, periodSeconds: 1, failureThreshold: 1 },
    }],
  });
  const uid = pod.metadata.uid!;
  await waitFor('started', async () => (await statusOf('kap-readopt'))?.containerStatuses?.[0]?.started);
  await agent!.stop();
  agent = undefined;
  agent = await startBedAgent(bed, agentOptions);
  // Three periods of the startup probe.
  await new Promise((r) => setTimeout(r, 3_000));
  const cs = (await statusOf('kap-readopt'))!.containerStatuses![0];
  assert.equal(cs.restartCount, 0);
  assert.equal(cs.started, true);
  assert.equal(cs.ready, true);
  assert.ok(!(await eventsOf(uid)).some((e) => e.reason === 'Unhealthy' || e.reason === 'Killing'));
});

test('an exec probe slower than timeoutSeconds fails and its command is killed', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-exec-timeout', {
    containers: [{
      name: 'main', image: 'busybox:1.35', command: ['sleep', '600'],
      readinessProbe: { exec: { command: ['sleep', '30'] }, timeoutSeconds: 1, periodSeconds: 2 },
    }],
  });
  const uid = pod.metadata.uid!;
  const failed = await waitFor('three timed-out probes', async () => (await eventsOf(uid)).find((e) => e.reason === 'Unhealthy' && e.count >= 3), 30_000);
  assert.equal(failed.message, 'Readiness probe failed: command "sleep 30" timed out');
  // Each probe's `sleep 30` was killed at its timeout: at most the one of the current period may run.
  const res = await new ShimClient().exec(stateDirOf(uid, 'main', 0), ['sh', '-c', 'ps -o args | grep -c "^sleep 30"']);
  assert.ok(Number(res.stdout.trim()) <= 1, res.stdout);
  assert.equal((await statusOf('kap-exec-timeout'))?.containerStatuses?.[0].ready, false);
});

test('an httpGet preStop hook reaches the container (inside its namespace) before it is stopped', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-prestop-http', {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 5,
    containers: [{
      name: 'main', image: 'busybox:1.35', command: ['sh', '-c', 'mkdir -p /www && exec httpd -f -vv -p 8080 -h /www'],
      lifecycle: { preStop: { httpGet: { path: '/bye', port: 8080 } } },
      // Stops the container (kept, restartPolicy Never) once it has been seen running.
      livenessProbe: { exec: { command: ['false'] }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 1 },
    }],
  });
  const uid = pod.metadata.uid!;
  await waitFor('Failed', async () => (await statusOf('kap-prestop-http'))?.phase === 'Failed', 60_000);
  const log = readFileSync(join(bed.dataDir, 'pods', uid, 'containers/main/0/container.log'), 'utf8');
  assert.match(log, /\/bye/, log);
  assert.ok(!(await eventsOf(uid)).some((e) => e.reason === 'FailedPreStopHook'));
});

test('the container\'s lifecycle.stopSignal wins over the image\'s StopSignal', TIMEOUT, async () => {
  const pod = await bed.createPod('kap-own-stopsignal', {
    os: { name: 'linux' },
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 5,
    containers: [{
      name: 'main', image: 'busybox:stopsignal',
      command: ['sh', '-c', 'trap "echo int > /got; exit 0" INT; trap "echo usr1 > /got; exit 0" USR1; touch /up; while true; do sleep 0.1; done'],
      lifecycle: { stopSignal: 'SIGINT' },
      livenessProbe: { exec: { command: ['sh', '-c', '! test -e /up'] }, periodSeconds: 1, failureThreshold: 1 },
    }],
  });
  await waitFor('Succeeded', async () => (await statusOf('kap-own-stopsignal'))?.phase === 'Succeeded', 60_000);
  assert.equal(readFileSync(join(bed.dataDir, 'pods', pod.metadata.uid!, 'containers/main/0/upper/got'), 'utf8'), 'int\n');
});
