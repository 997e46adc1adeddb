// The allocators against a real etcd, with two backends standing in for two apiservers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEtcd, TestEtcd } from '../../../test/harness/etcd';
import { EtcdBackend } from '../../storage/etcd-backend';
import { AllocationError } from './range-allocator';
import { nodePortAllocator, podCidrAllocator, serviceIpAllocator } from './cluster-allocators';
import type { AllocationOwner } from './allocation-store';

let etcd: TestEtcd;
let first: EtcdBackend;
let second: EtcdBackend;

before(async () => {
  etcd = await startTestEtcd();
  first = new EtcdBackend({ endpoints: [etcd.endpoint] });
  second = new EtcdBackend({ endpoints: [etcd.endpoint] });
});

after(async () => {
  await first?.close();
  await second?.close();
  await etcd?.destroy();
});

const owner = (name: string, kind = 'Service'): AllocationOwner => ({ kind, namespace: 'default', name, uid: `uid-${name}` });

test('two apiservers allocating at once never hand out one IP twice, and the range runs out cleanly', async () => {
  // 10.96.4.0/27: 32 addresses, 30 usable (network and broadcast reserved).
  const a = serviceIpAllocator(first, '10.96.4.0/27');
  const b = serviceIpAllocator(second, '10.96.4.0/27');
  const results = await Promise.allSettled(
    Array.from({ length: 34 }, (_, i) => (i % 2 ? a : b).allocate(owner(`svc-${i}`))),
  );
  const ips = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<string>).value);
  assert.equal(ips.length, 30);
  assert.equal(new Set(ips).size, 30);
  assert.ok(!ips.includes('10.96.4.0') && !ips.includes('10.96.4.31'));
  const failures = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
  assert.equal(failures.length, 4);
  for (const f of failures) assert.equal((f.reason as AllocationError).reason, 'Full');
  // Releasing one makes exactly it available again.
  const freed = ips[7];
  await a.release(freed, owner(`svc-x`)); // not the holder: nothing happens
  await assert.rejects(b.allocate(owner('late')), (e: AllocationError) => e.reason === 'Full');
  const holder = (await a.store.get(freed))!.owner;
  await a.release(freed, holder);
  assert.equal(await b.allocate(owner('late')), freed);
});

test('a requested IP is honoured if free and refused if taken or out of range', async () => {
  const ips = serviceIpAllocator(first, '10.96.8.0/24');
  assert.equal(await ips.allocateSpecific('10.96.8.10', owner('one')), '10.96.8.10');
  await assert.rejects(ips.allocateSpecific('10.96.8.10', owner('two')), (e: AllocationError) => e.reason === 'Taken');
  await assert.rejects(ips.allocateSpecific('10.97.0.1', owner('two')), (e: AllocationError) => e.reason === 'OutOfRange');
  await assert.rejects(ips.allocateSpecific('10.96.8.0', owner('two')), (e: AllocationError) => e.reason === 'OutOfRange');
  await assert.rejects(ips.allocateSpecific('10.96.8.010', owner('two')), (e: AllocationError) => e.reason === 'OutOfRange');
});

test('pod subnets: one /24 per node; a deleted node’s subnet is reused only once the range is full', async () => {
  const subnets = podCidrAllocator(first, '10.244.6.0/23');
  const n1 = await subnets.allocate(owner('node-1', 'Node'));
  const n2 = await subnets.allocate(owner('node-2', 'Node'));
  assert.deepEqual([n1, n2].sort(), ['10.244.6.0/24', '10.244.7.0/24']);
  const live = new Set(['uid-node-2']);
  const isLive = async (o: AllocationOwner) => live.has(o.uid);
  await assert.rejects(subnets.allocate(owner('node-3', 'Node')), (e: AllocationError) => e.reason === 'Full');
  assert.equal(await subnets.allocate(owner('node-3', 'Node'), isLive), n1);
  assert.equal((await subnets.store.get(n1))!.owner.name, 'node-3');
  assert.ok(subnets.range.contains('10.244.7.0/24'));
  assert.ok(!subnets.range.contains('10.244.7.1/24') && !subnets.range.contains('10.244.8.0/24'));
});

test('node ports come from their range', async () => {
  const ports = nodePortAllocator(first, { first: 30100, last: 30102 });
  const got = await Promise.all([1, 2, 3].map((i) => ports.allocate(owner(`np-${i}`))));
  assert.deepEqual(got.map(Number).sort(), [30100, 30101, 30102]);
  await assert.rejects(ports.allocateSpecific('29999', owner('np-4')), (e: AllocationError) => e.reason === 'OutOfRange');
});
