// Events expire as with Kubernetes' --event-ttl: etcd deletes them through a
// lease, watchers see DELETED, updates start the TTL again, other kinds never
// get a lease, and many Events share few leases. Real etcd, real apiservers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { ensurePki } from '../../apiserver/pki';
import { startApiServer, RunningApiServer } from '../../apiserver';
import { startTestEtcd, TestEtcd } from '../harness/etcd';
import { request, openWatch, destroyAgent, Endpoint } from '../harness/http';
import { eventTtlSeconds } from '../../cmd/kapstan/server';

let etcd: TestEtcd;
let dataDir: string;
let etcdClient: Etcd3;
const servers: RunningApiServer[] = [];
const endpoints: Endpoint[] = [];
/** --event-ttl 2s: the shortest lease etcd grants with its default heartbeat. */
let short: Endpoint;
/** The default --event-ttl (1 h): a 60 s reuse window, so Events share leases. */
let long: Endpoint;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kap-eventttl-'));
  etcd = await startTestEtcd();
  etcdClient = new Etcd3({ hosts: etcd.endpoint });
  const pki = await ensurePki(dataDir, { sans: ['127.0.0.1', 'localhost'] });
  const start = async (eventTtlSeconds?: number): Promise<Endpoint> => {
    const server = await startApiServer({
      etcdEndpoints: [etcd.endpoint],
      host: '127.0.0.1',
      port: 0,
      tls: { certPem: pki.certPem, keyPem: pki.keyPem },
      tokens: [pki.adminToken],
      eventTtlSeconds,
    });
    servers.push(server);
    const ep = { url: server.url, token: pki.adminToken, caPem: pki.caPem };
    endpoints.push(ep);
    return ep;
  };
  short = await start(2);
  long = await start();
});

after(async () => {
  for (const ep of endpoints) destroyAgent(ep);
  try {
    for (const s of servers) await s.stop();
    etcdClient?.close();
  } finally {
    await etcd?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const event = (name: string, message = 'pulled') => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', apiVersion: 'v1' },
  reason: 'Pulled',
  message,
  type: 'Normal',
  count: 1,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lease etcd holds the key under ('0': none). */
async function leaseOfKey(key: string): Promise<string> {
  const res = await etcdClient.kv.range({ key: Buffer.from(key) });
  assert.equal(res.kvs.length, 1, `${key} is in etcd`);
  return String(res.kvs[0].lease);
}

async function leaseExpired(id: string): Promise<boolean> {
  return Number((await etcdClient.leaseClient.leaseTimeToLive({ ID: id })).TTL) === -1;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

test('an Event expires after --event-ttl: GET 404, LIST without it, and a watch sees DELETED', async () => {
  const created = await request(short, 'POST', '/api/v1/namespaces/default/events', { body: event('kap-expiring') });
  assert.equal(created.status, 201, created.text);
  const rv = Number(created.body.metadata.resourceVersion);
  const lease = await leaseOfKey('/registry/core/events/default/kap-expiring');
  assert.notEqual(lease, '0');
  const ttl = Number((await etcdClient.leaseClient.leaseTimeToLive({ ID: lease })).grantedTTL);
  assert.ok(ttl >= 2 && ttl <= 3, `lease granted for ${ttl}s`);
  const w = await openWatch(short, `/api/v1/namespaces/default/events?watch=true&resourceVersion=${rv - 1}`);
  try {
    assert.equal(w.status, 200);
    const events = await w.waitFor(2, 15_000);
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED kap-expiring', 'DELETED kap-expiring'],
    );
    assert.equal(events[1].object.reason, 'Pulled', 'DELETED carries the last stored object');
  } finally {
    w.close();
  }
  assert.equal((await request(short, 'GET', '/api/v1/namespaces/default/events/kap-expiring')).status, 404);
  const list = await request(short, 'GET', '/api/v1/namespaces/default/events');
  assert.equal(list.status, 200);
  assert.ok(!list.body.items.some((e: any) => e.metadata.name === 'kap-expiring'));
});

test('an updated Event (a repeat counted) lives on past its first TTL', async () => {
  const created = await request(short, 'POST', '/api/v1/namespaces/default/events', { body: event('kap-repeated') });
  assert.equal(created.status, 201, created.text);
  const key = '/registry/core/events/default/kap-repeated';
  const firstLease = await leaseOfKey(key);
  await sleep(1_500);
  const updated = await request(short, 'PUT', '/api/v1/namespaces/default/events/kap-repeated', {
    body: { ...created.body, count: 2 },
  });
  assert.equal(updated.status, 200, updated.text);
  const secondLease = await leaseOfKey(key);
  assert.notEqual(secondLease, firstLease, 'the update attached a fresh lease');
  await until('the first lease expired', () => leaseExpired(firstLease));
  const got = await request(short, 'GET', '/api/v1/namespaces/default/events/kap-repeated');
  assert.equal(got.status, 200, 'still there once the create-time lease is gone');
  assert.equal(got.body.count, 2);
  await until('the updated Event expired', async () => (await request(short, 'GET', '/api/v1/namespaces/default/events/kap-repeated')).status === 404);
});

test('other kinds never get a lease, on create or update', async () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kap-forever' }, data: { a: '1' } };
  assert.equal((await request(short, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm })).status, 201);
  const key = '/registry/core/configmaps/default/kap-forever';
  assert.equal(await leaseOfKey(key), '0');
  const patched = await request(short, 'PATCH', '/api/v1/namespaces/default/configmaps/kap-forever', {
    body: { data: { a: '2' } },
    contentType: 'application/merge-patch+json',
  });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(await leaseOfKey(key), '0');
  const ns = await request(short, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kap-ttl-ns' } } });
  assert.equal(ns.status, 201);
  assert.equal(await leaseOfKey('/registry/core/namespaces/kap-ttl-ns'), '0');
});

test('many Events share few leases', async () => {
  const count = 120;
  const before = (await etcdClient.leaseClient.leaseLeases()).leases.length;
  for (let batch = 0; batch < count; batch += 20) {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(long, 'POST', '/api/v1/namespaces/default/events', { body: event(`kap-many-${batch + i}`, `message ${batch + i}`) }),
      ),
    );
    for (const r of results) assert.equal(r.status, 201, r.text);
  }
  const stored = await etcdClient.kv.range({ key: Buffer.from('/registry/core/events/default/kap-many-'), range_end: Buffer.from('/registry/core/events/default/kap-many.') });
  assert.equal(stored.kvs.length, count);
  const distinct = new Set(stored.kvs.map((kv) => String(kv.lease)));
  assert.ok(!distinct.has('0'), 'every Event has a lease');
  assert.ok(distinct.size <= 2, `${count} Events on ${distinct.size} leases`);
  const afterCount = (await etcdClient.leaseClient.leaseLeases()).leases.length;
  assert.ok(afterCount <= before + 2, `etcd holds ${afterCount} leases (${before} before ${count} Events)`);
});

test('a shared lease etcd no longer knows (revoked) is replaced on the next write', async () => {
  const first = await request(long, 'POST', '/api/v1/namespaces/default/events', { body: event('kap-before-revoke') });
  assert.equal(first.status, 201, first.text);
  const lease = await leaseOfKey('/registry/core/events/default/kap-before-revoke');
  await etcdClient.leaseClient.leaseRevoke({ ID: lease });
  const next = await request(long, 'POST', '/api/v1/namespaces/default/events', { body: event('kap-after-revoke') });
  assert.equal(next.status, 201, next.text);
  const nextLease = await leaseOfKey('/registry/core/events/default/kap-after-revoke');
  assert.notEqual(nextLease, lease);
  assert.notEqual(nextLease, '0');
});

test('etcd down during an Event create: 503, and nothing half-written once it is back', async () => {
  await etcd.stop('SIGKILL');
  try {
    const write = await request(long, 'POST', '/api/v1/namespaces/default/events', { body: event('kap-during-outage') });
    assert.equal(write.status, 503, write.text);
    assert.equal(write.body.reason, 'ServiceUnavailable');
  } finally {
    await etcd.restart();
  }
  let got;
  for (let i = 0; i < 100; i++) {
    got = await request(long, 'GET', '/api/v1/namespaces/default/events/kap-during-outage');
    if (got.status !== 503) break;
    await sleep(100);
  }
  assert.equal(got!.status, 404, got!.text);
  let again;
  for (let i = 0; i < 100; i++) {
    again = await request(long, 'POST', '/api/v1/namespaces/default/events', { body: event('kap-during-outage') });
    if (again.status !== 503) break;
    await sleep(100);
  }
  assert.equal(again!.status, 201, again!.text);
  assert.notEqual(await leaseOfKey('/registry/core/events/default/kap-during-outage'), '0');
});

test('kapstan server --event-ttl takes Go durations, in whole seconds', () => {
  assert.equal(eventTtlSeconds(), 3600);
  assert.equal(eventTtlSeconds('1h'), 3600);
  assert.equal(eventTtlSeconds('30m'), 1800);
  assert.equal(eventTtlSeconds('1m30s'), 90);
  assert.equal(eventTtlSeconds('1.5s'), 2);
  assert.throws(() => eventTtlSeconds('0s'), /at least 1s/);
  assert.throws(() => eventTtlSeconds('soon'));
  assert.throws(() => eventTtlSeconds('10'));
});
