import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaseManager } from './lease-manager';

/** A lease manager on a fake clock whose grants are recorded (the real one is tested on etcd in test/api/event-ttl). */
function setup(opts: { maxKeysPerLease?: number } = {}) {
  let now = 1_000_000;
  const grants: number[] = [];
  const leases = new LeaseManager(
    async (ttl) => {
      grants.push(ttl);
      return BigInt(grants.length) + 2n ** 62n; // IDs beyond 2^53, as etcd's
    },
    { now: () => now, ...opts },
  );
  return { leases, grants, advance: (ms: number) => (now += ms) };
}

test('keys whose TTL ends within the reuse window share one lease, granted with the window added', async () => {
  const { leases, grants, advance } = setup();
  const first = await leases.leaseFor(3600);
  advance(30_000);
  assert.equal(await leases.leaseFor(3600), first);
  assert.deepEqual(grants, [3660], '1 h + 60 s (5% of 1 h is more than 60 s)');
  advance(31_000); // the lease would now end before a new key's TTL
  assert.notEqual(await leases.leaseFor(3600), first);
  assert.deepEqual(grants, [3660, 3660]);
});

test('the window is 5% of short TTLs; a 2 s TTL gets a lease per write', async () => {
  const { leases, grants, advance } = setup();
  await leases.leaseFor(100);
  advance(4_000);
  await leases.leaseFor(100);
  assert.deepEqual(grants, [105]);
  await leases.leaseFor(2);
  advance(1);
  await leases.leaseFor(2);
  assert.deepEqual(grants, [105, 2, 2]);
});

test('a burst waits for one grant; a full lease is replaced', async () => {
  const { leases, grants } = setup({ maxKeysPerLease: 3 });
  const ids = await Promise.all(Array.from({ length: 7 }, () => leases.leaseFor(600)));
  assert.equal(new Set(ids).size, 3, 'ceil(7 / 3) leases');
  assert.equal(grants.length, 3);
});

test('reset forgets the shared lease (etcd no longer knows it)', async () => {
  const { leases, grants } = setup();
  const first = await leases.leaseFor(600);
  leases.reset();
  assert.notEqual(await leases.leaseFor(600), first);
  assert.equal(grants.length, 2);
});

test('a failed grant reaches the writer and the next write asks again', async () => {
  let fail = true;
  const leases = new LeaseManager(async () => {
    if (fail) throw new Error('etcd unavailable');
    return 7n;
  });
  await assert.rejects(leases.leaseFor(60), /unavailable/);
  fail = false;
  assert.equal(await leases.leaseFor(60), 7n);
});
