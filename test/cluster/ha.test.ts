// Three servers on a three-member etcd cluster and one agent, each on its own
// simulated machine. The server that is both the etcd leader and the
// scheduler's Lease holder is lost — killed (SIGKILL to it and its etcd), or
// its machine cut off the network: writes go on through the others, a new
// scheduler leader binds a new pod within 15 s, every acknowledged write is
// still there, the agent's heartbeats fail over, and the lost server catches
// up when it returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetnsCluster, type KapstanProcess, type Machine, type ServerEndpoint } from '../harness/netns-cluster';
import { request } from '../harness/http';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const URLS = ['https://10.250.0.1:6443', 'https://10.250.0.2:6443', 'https://10.250.0.3:6443'];

const SCHEDULER_LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler';
const CONTROLLERS_LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kapstan-controller-manager';
const NODE_LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/kap-a';
const WRITES = '/api/v1/namespaces/default/configmaps?labelSelector=kap-ha%3Dwriter';

interface EtcdStatus { header: { member_id: string }; leader: string }

/** A request to a server that may be cut off: undefined after 3 s (or on any error). */
function timed<T>(p: Promise<T>, ms = 3000): Promise<T | undefined> {
  return Promise.race([p.catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
}

interface Ha {
  cluster: NetnsCluster;
  machines: Machine[];
  servers: KapstanProcess[];
  apis: ServerEndpoint[];
  etcd(i: number, path: string, body?: unknown): Promise<any>;
  /** The server that leads both etcd and the scheduler. */
  victim: number;
  schedulerHolder: string;
}

/** Three servers, one agent that learned every server, and a victim leading etcd and the scheduler. */
async function startHaCluster(cluster: NetnsCluster): Promise<Ha> {
  const machines = [1, 2, 3].map((i) => cluster.machine(`s${i}`, `10.250.0.${i}`));
  const servers: KapstanProcess[] = [await cluster.startServer(machines[0], { args: ['--cluster-init'] })];
  const serverToken = readFileSync(join(servers[0].dataDir, 'server-token'), 'utf8').trim();
  assert.match(serverToken, /^K10[0-9a-f]{64}::server:\S+$/);
  for (const m of machines.slice(1)) {
    servers.push(await cluster.startServer(m, { args: ['--join', URLS[0], '--token', serverToken] }));
  }
  // One CA, one admin token, one join token: any server accepts what another issued.
  for (const file of ['tls/ca.crt', 'tls/client-ca.crt', 'tls/admin-token', 'node-token']) {
    const copies = new Set(servers.map((s) => readFileSync(join(s.dataDir, file), 'utf8')));
    assert.equal(copies.size, 1, `${file} is shared`);
  }
  const apis: ServerEndpoint[] = [];
  for (const s of servers) apis.push(await cluster.api(s));
  const etcdPorts: number[] = [];
  for (const m of machines) etcdPorts.push(await cluster.forward(m, '127.0.0.1', 2379));
  const etcd = (i: number, path: string, body: unknown = {}) => etcdCall(etcdPorts[i], path, body);
  const members = (await etcd(0, '/v3/cluster/member/list')).members as Array<{ name: string; peerURLs: string[] }>;
  assert.deepEqual(members.map((m) => m.name).sort(), ['kapstan-10.250.0.1', 'kapstan-10.250.0.2', 'kapstan-10.250.0.3']);
  assert.ok(members.every((m) => m.peerURLs[0].startsWith('https://')), 'peers talk TLS');

  // Every server publishes itself in the `kubernetes` Endpoints.
  await waitFor(async () => {
    const ep = (await request(apis[2], 'GET', '/api/v1/namespaces/default/endpoints/kubernetes')).body;
    const ips = (ep?.subsets ?? []).flatMap((s: { addresses?: Array<{ ip: string }> }) => (s.addresses ?? []).map((a) => a.ip)).sort();
    return ips.join() === '10.250.0.1,10.250.0.2,10.250.0.3' ? true : undefined;
  }, 30_000, 'the kubernetes Endpoints to list the three servers');
  const service = (await request(apis[0], 'GET', '/api/v1/namespaces/default/services/kubernetes')).body;
  assert.equal(service.spec.clusterIP, '10.96.0.1');

  // The agent is told only of the first server and learns the others from the cluster.
  const agentMachine = cluster.machine('a', '10.250.0.10');
  const agent = await cluster.startAgent(agentMachine, URLS[0], cluster.nodeToken(servers[0]));
  await cluster.waitNodeReady(apis[1], 'kap-a');
  await cluster.waitForLog(agent, /servers: 10\.250\.0\.1:6444,10\.250\.0\.2:6444,10\.250\.0\.3:6444 \(learned/, 30_000);

  // The victim holds the scheduler Lease; etcd leadership is moved to its member if needed.
  const schedulerHolder = await waitFor(async () => (await request(apis[0], 'GET', SCHEDULER_LEASE)).body?.spec?.holderIdentity as string | undefined, 30_000, 'a scheduler leader');
  const victim = URLS.findIndex((u) => schedulerHolder.startsWith(`kapstan-server-${new URL(u).hostname}_`));
  assert.ok(victim >= 0, `the scheduler Lease names a server: ${schedulerHolder}`);
  const statuses = await Promise.all([0, 1, 2].map((i) => etcd(i, '/v3/maintenance/status') as Promise<EtcdStatus>));
  const leaderIndex = statuses.findIndex((s) => s.header.member_id === s.leader);
  if (leaderIndex !== victim) {
    await etcd(leaderIndex, '/v3/maintenance/transfer-leadership', { targetID: statuses[victim].header.member_id });
  }
  await waitFor(async () => {
    const s = (await etcd(victim, '/v3/maintenance/status')) as EtcdStatus;
    return s.header.member_id === s.leader || undefined;
  }, 15_000, 'the victim to lead etcd');
  const controllersLease = (await request(apis[0], 'GET', CONTROLLERS_LEASE)).body;
  assert.match(controllersLease.spec.holderIdentity, /^kapstan-server-10\.250\.0\.\d_/, 'controllers are leader-elected across servers');
  return { cluster, machines, servers, apis, etcd, victim, schedulerHolder };
}

/**
 * Loses the victim (lose), checks that the others carry on and that nothing
 * acknowledged is lost, then brings it back (recover) and checks it caught up.
 */
async function loseLeaderAndRecover(ha: Ha, lose: () => Promise<void>, recover: () => Promise<void>): Promise<Record<string, unknown>> {
  const { apis, victim, etcd } = ha;
  const survivors = apis.filter((_, i) => i !== victim);
  const writer = startWriter(apis);
  await waitFor(async () => (writer.acked.length >= 5 ? true : undefined), 30_000, 'writes before the loss');

  const nodeLeaseBefore = (await request(survivors[0], 'GET', NODE_LEASE)).body.spec.renewTime;
  const controllersHolder: string = (await request(survivors[0], 'GET', CONTROLLERS_LEASE)).body.spec.holderIdentity;
  const victimIdentity = `kapstan-server-${new URL(URLS[victim]).hostname}_`;
  const lostAt = Date.now();
  await lose();
  const ackedBeforeLoss = writer.acked.length;

  // A new pod is bound by a new scheduler leader within 15 s of the loss.
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kap-after-failover' }, spec: { containers: [{ name: 'c', image: 'kap.invalid/none:1' }] } };
  await waitFor(async () => {
    for (const api of survivors) {
      const res = await timed(request(api, 'POST', '/api/v1/namespaces/default/pods', { body: pod }));
      if (res && (res.status === 201 || res.status === 409)) return true;
    }
    return undefined;
  }, 15_000, 'the pod to be accepted by a surviving server');
  const boundNode = await waitFor(async () => {
    for (const api of survivors) {
      const res = await timed(request(api, 'GET', '/api/v1/namespaces/default/pods/kap-after-failover'));
      if (res?.body?.spec?.nodeName) return res.body.spec.nodeName as string;
    }
    return undefined;
  }, 15_000 - (Date.now() - lostAt), 'the new pod to be bound within 15 s of the loss');
  assert.equal(boundNode, 'kap-a');
  const boundAfterMs = Date.now() - lostAt;
  const newHolder = (await request(survivors[0], 'GET', SCHEDULER_LEASE)).body.spec.holderIdentity;
  assert.notEqual(newHolder, ha.schedulerHolder, 'another server leads the scheduler');
  if (controllersHolder.startsWith(victimIdentity)) {
    await waitFor(async () => {
      const holder = (await timed(request(survivors[0], 'GET', CONTROLLERS_LEASE)))?.body?.spec?.holderIdentity as string | undefined;
      return holder && !holder.startsWith(victimIdentity) ? true : undefined;
    }, 20_000, 'another server to lead the controllers');
  }

  // Writes keep succeeding through the other servers.
  await waitFor(async () => (writer.acked.length >= ackedBeforeLoss + 10 ? true : undefined), 30_000, 'writes after the loss');
  await writer.stop();

  // The agent's heartbeats reach another server: its Node Lease is renewed after the loss
  // (a cut-off server is noticed by gRPC keepalive, 30 s + 10 s).
  await waitFor(async () => {
    const renew = (await request(survivors[0], 'GET', NODE_LEASE)).body?.spec?.renewTime;
    return renew && renew !== nodeLeaseBefore && Date.parse(renew) > lostAt ? true : undefined;
  }, 60_000, 'the agent to renew its Node Lease through another server');

  // Every acknowledged write is there.
  const listed = await request(survivors[0], 'GET', WRITES);
  const names = new Set(listed.body.items.map((c: { metadata: { name: string } }) => c.metadata.name));
  const lost = writer.acked.filter((n) => !names.has(n));
  assert.deepEqual(lost, [], `${writer.acked.length} acknowledged writes, none lost`);

  // The lost server comes back with its data: its etcd member catches up and its API serves everything.
  await recover();
  const back = await waitFor(async () => {
    const res = await timed(request(apis[victim], 'GET', WRITES));
    return res?.status === 200 && res.body.items.length >= writer.acked.length ? res.body.items.length as number : undefined;
  }, 60_000, 'the returning server to serve every write');
  assert.ok(back >= writer.acked.length);
  const members = (await etcd(victim, '/v3/cluster/member/list')).members as Array<{ name: string }>;
  assert.equal(members.filter((m) => m.name).length, 3, 'three started members again');
  return { victim: URLS[victim], ackedWrites: writer.acked.length, failedWriteAttempts: writer.failures, boundAfterMs };
}

test('an HA cluster survives the loss of the etcd and scheduling leader (process killed)', { timeout: 420_000 }, async () => {
  const cluster = new NetnsCluster();
  try {
    const ha = await startHaCluster(cluster);
    const result = await loseLeaderAndRecover(
      ha,
      () => ha.servers[ha.victim].kill(), // SIGKILL to the server and its etcd
      async () => {
        ha.servers[ha.victim] = await cluster.restart(ha.servers[ha.victim]);
      },
    );
    console.log(JSON.stringify({ lost: 'killed', ...result }));
  } catch (err) {
    throw new Error(`${(err as Error).stack}\n${cluster.logs()}`);
  } finally {
    await cluster.cleanup();
  }
});

test('an HA cluster survives the loss of the etcd and scheduling leader (machine cut off)', { timeout: 420_000 }, async () => {
  const cluster = new NetnsCluster();
  try {
    const ha = await startHaCluster(cluster);
    const machine = ha.machines[ha.victim];
    const result = await loseLeaderAndRecover(
      ha,
      async () => cluster.setConnected(machine, false),
      async () => cluster.setConnected(machine, true),
    );
    console.log(JSON.stringify({ lost: 'cut off', ...result }));
  } catch (err) {
    throw new Error(`${(err as Error).stack}\n${cluster.logs()}`);
  } finally {
    await cluster.cleanup();
  }
});

/** Creates ConfigMaps one after another, each through the next server that answers; records what was acknowledged. */
function startWriter(apis: ServerEndpoint[]): { acked: string[]; failures: number; stop(): Promise<void> } {
  const state = { acked: [] as string[], failures: 0, stopped: false };
  let server = 0;
  const loop = (async () => {
    for (let i = 0; !state.stopped; i++) {
      const name = `kap-w-${i}`;
      const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { 'kap-ha': 'writer' } }, data: { i: String(i) } };
      for (;;) {
        const res = await timed(request(apis[server], 'POST', '/api/v1/namespaces/default/configmaps', { body }));
        // 409: an earlier attempt was applied though its answer was lost: acknowledged now.
        if (res && (res.status === 201 || res.status === 409)) break;
        state.failures++;
        server = (server + 1) % apis.length;
        if (state.stopped) return;
        await sleep(100);
      }
      state.acked.push(name);
      await sleep(50);
    }
  })();
  return {
    get acked() { return state.acked; },
    get failures() { return state.failures; },
    async stop() {
      state.stopped = true;
      await loop;
    },
  } as { acked: string[]; failures: number; stop(): Promise<void> };
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
    await sleep(200);
  }
}

/** etcd's JSON gateway, reached from the test through a forward into the member's machine. */
async function etcdCall(port: number, path: string, body: unknown): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}
