// Three servers on a three-member etcd cluster and one agent, each on its own
// simulated machine. The server that is both the etcd leader and the
// scheduler's Lease holder is killed (SIGKILL to it and its etcd): writes go
// on through the others, a new scheduler leader binds a new pod within 15 s,
// every acknowledged write is still there, the agent's heartbeats fail over,
// and the killed server rejoins when started again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetnsCluster, type KapstanProcess, type ServerEndpoint } from '../harness/netns-cluster';
import { request } from '../harness/http';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const URLS = ['https://10.250.0.1:6443', 'https://10.250.0.2:6443', 'https://10.250.0.3:6443'];

interface EtcdStatus { header: { member_id: string }; leader: string }

test('an HA cluster survives the loss of the etcd and scheduling leader', { timeout: 420_000 }, async () => {
  const cluster = new NetnsCluster();
  try {
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
    const lease = await waitFor(async () => (await request(apis[0], 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler')).body?.spec?.holderIdentity as string | undefined, 30_000, 'a scheduler leader');
    const victim = URLS.findIndex((u) => lease.startsWith(`kapstan-server-${new URL(u).hostname}_`));
    assert.ok(victim >= 0, `the scheduler Lease names a server: ${lease}`);
    const statuses = await Promise.all([0, 1, 2].map((i) => etcd(i, '/v3/maintenance/status') as Promise<EtcdStatus>));
    const leaderIndex = statuses.findIndex((s) => s.header.member_id === s.leader);
    if (leaderIndex !== victim) {
      await etcd(leaderIndex, '/v3/maintenance/transfer-leadership', { targetID: statuses[victim].header.member_id });
    }
    await waitFor(async () => {
      const s = (await etcd(victim, '/v3/maintenance/status')) as EtcdStatus;
      return s.header.member_id === s.leader || undefined;
    }, 15_000, 'the victim to lead etcd');
    const controllersLease = (await request(apis[0], 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kapstan-controller-manager')).body;
    assert.match(controllersLease.spec.holderIdentity, /^kapstan-server-10\.250\.0\.\d_/, 'controllers are leader-elected across servers');

    const survivors = apis.filter((_, i) => i !== victim);
    const writer = startWriter(apis);
    await waitFor(async () => (writer.acked.length >= 5 ? true : undefined), 30_000, 'writes before the kill');

    const nodeLeaseBefore = (await request(survivors[0], 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/kap-a')).body.spec.renewTime;
    const killedAt = Date.now();
    await servers[victim].kill();
    const ackedBeforeKill = writer.acked.length;

    // A new pod is bound by a new scheduler leader within 15 s of the loss.
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kap-after-failover' }, spec: { containers: [{ name: 'c', image: 'kap.invalid/none:1' }] } };
    await waitFor(async () => {
      for (const api of survivors) {
        const res = await request(api, 'POST', '/api/v1/namespaces/default/pods', { body: pod }).catch(() => undefined);
        if (res && (res.status === 201 || res.status === 409)) return true;
      }
      return undefined;
    }, 15_000, 'the pod to be accepted by a surviving server');
    const boundNode = await waitFor(async () => {
      for (const api of survivors) {
        const res = await request(api, 'GET', '/api/v1/namespaces/default/pods/kap-after-failover').catch(() => undefined);
        if (res?.body?.spec?.nodeName) return res.body.spec.nodeName as string;
      }
      return undefined;
    }, 15_000 - (Date.now() - killedAt), 'the new pod to be bound within 15 s of the kill');
    assert.equal(boundNode, 'kap-a');
    const boundAfterMs = Date.now() - killedAt;
    const newLease = (await request(survivors[0], 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler')).body.spec.holderIdentity;
    assert.notEqual(newLease, lease, 'another server leads the scheduler');

    // Writes keep succeeding through the other servers.
    await waitFor(async () => (writer.acked.length >= ackedBeforeKill + 10 ? true : undefined), 30_000, 'writes after the kill');
    await writer.stop();

    // The agent's heartbeats moved to another server: its Node Lease is renewed after the kill.
    await waitFor(async () => {
      const renew = (await request(survivors[0], 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/kap-a')).body?.spec?.renewTime;
      return renew && renew !== nodeLeaseBefore && Date.parse(renew) > killedAt ? true : undefined;
    }, 30_000, 'the agent to renew its Node Lease through another server');

    // Every acknowledged write is there.
    const listed = await request(survivors[0], 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=kap-ha%3Dwriter');
    const names = new Set(listed.body.items.map((c: { metadata: { name: string } }) => c.metadata.name));
    const lost = writer.acked.filter((n) => !names.has(n));
    assert.deepEqual(lost, [], `${writer.acked.length} acknowledged writes, none lost`);

    // The killed server rejoins with its data: its etcd member catches up and its API serves everything.
    servers[victim] = await cluster.restart(servers[victim]);
    const back = await waitFor(async () => {
      const res = await request(apis[victim], 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=kap-ha%3Dwriter').catch(() => undefined);
      return res?.status === 200 && res.body.items.length >= writer.acked.length ? res.body.items.length as number : undefined;
    }, 60_000, 'the restarted server to serve every write');
    assert.ok(back >= writer.acked.length);
    const health = (await etcd(victim, '/v3/cluster/member/list')).members as Array<{ name: string }>;
    assert.equal(health.filter((m) => m.name).length, 3, 'three started members again');
    console.log(JSON.stringify({ victim: URLS[victim], ackedWrites: writer.acked.length, failedWriteAttempts: writer.failures, boundAfterMs }));
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
        const res = await request(apis[server], 'POST', '/api/v1/namespaces/default/configmaps', { body }).catch(() => undefined);
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
