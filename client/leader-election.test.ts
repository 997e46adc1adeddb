// Leader election against a real apiserver on a real etcd, with short periods.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../api/resources';
import { startTestApiServer, TestApiServer } from '../test/harness/api-server';
import { Lease, LeaderElector, LeaderElectionOptions } from './leader-election';
import { RestClient } from './rest-client';

const leases = findByKind('coordination.k8s.io/v1', 'Lease')!;
let api: TestApiServer;
let client: RestClient;

before(async () => {
  api = await startTestApiServer();
  client = new RestClient({ server: api.url, caPem: api.caPem, token: api.token });
});

after(async () => {
  client?.close();
  await api?.stop();
});

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function candidate(identity: string, name: string, events: string[], extra: Partial<LeaderElectionOptions> = {}): LeaderElector {
  return new LeaderElector({
    client,
    namespace: 'default',
    name,
    identity,
    leaseDurationMs: 1000,
    renewDeadlineMs: 300,
    retryPeriodMs: 50,
    onStartedLeading: () => void events.push(`${identity} started`),
    onStoppedLeading: () => void events.push(`${identity} stopped`),
    ...extra,
  });
}

const holder = async (name: string) => (await client.get<Lease>(leases, 'default', name)).spec?.holderIdentity;

test('one of two candidates leads; when it stops it releases the lease and the other takes over', async () => {
  const events: string[] = [];
  const a = candidate('a', 'kap-le-one', events);
  const b = candidate('b', 'kap-le-one', events);
  try {
    a.start();
    await eventually(() => a.isLeader(), 'a to lead');
    b.start();
    await new Promise((r) => setTimeout(r, 200)); // several of b's retry periods
    assert.equal(b.isLeader(), false, 'b waits while a renews');
    assert.equal(await holder('kap-le-one'), 'a');
    await a.stop();
    assert.deepEqual(events, ['a started', 'a stopped']);
    await eventually(() => b.isLeader(), 'b to lead');
    assert.equal(await holder('kap-le-one'), 'b');
    const lease = await client.get<Lease>(leases, 'default', 'kap-le-one');
    assert.equal(lease.spec?.leaseTransitions, 1);
  } finally {
    await a.stop();
    await b.stop();
  }
  assert.deepEqual(events, ['a started', 'a stopped', 'b started', 'b stopped']);
});

test('a lease whose holder stopped renewing is taken once it has not changed for its duration', async () => {
  const now = new Date().toISOString();
  await client.create(leases, 'default', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'kap-le-ghost' },
    spec: { holderIdentity: 'ghost', leaseDurationSeconds: 1, renewTime: now, acquireTime: now, leaseTransitions: 3 },
  });
  const events: string[] = [];
  const c = candidate('c', 'kap-le-ghost', events);
  try {
    c.start();
    await eventually(() => c.isLeader(), 'c to take the abandoned lease');
    const lease = await client.get<Lease>(leases, 'default', 'kap-le-ghost');
    assert.equal(lease.spec?.holderIdentity, 'c');
    assert.equal(lease.spec?.leaseTransitions, 4);
  } finally {
    await c.stop();
  }
});

test('a leader that cannot renew within the renew deadline steps down', async () => {
  const events: string[] = [];
  const seen: string[] = [];
  const d = candidate('d', 'kap-le-stolen', events, { leaseDurationMs: 5000, onNewLeader: (id) => seen.push(id) });
  try {
    d.start();
    await eventually(() => d.isLeader(), 'd to lead');
    // Another writer takes the lease and keeps renewing it.
    const steal = async () => {
      const lease = await client.get<Lease>(leases, 'default', 'kap-le-stolen');
      lease.spec = { ...lease.spec, holderIdentity: 'thief', renewTime: new Date().toISOString() };
      await client.update(leases, 'default', lease).catch(() => undefined);
    };
    await steal();
    await eventually(async () => {
      await steal();
      return !d.isLeader();
    }, 'd to step down');
    assert.deepEqual(events, ['d started', 'd stopped']);
    assert.deepEqual(seen, ['d', 'thief']);
  } finally {
    await d.stop();
  }
  assert.equal(await holder('kap-le-stolen'), 'thief', 'a candidate that is not the holder leaves the lease alone');
});
