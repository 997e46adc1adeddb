// Pod subnets on real Node objects in a real etcd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRegistry, type TestRegistry } from '../../../test/harness/registry';
import type { EtcdBackend } from '../../storage/etcd-backend';
import type { Registry } from '../registry';
import { podCidrAllocator } from './cluster-allocators';
import type { KubeObject } from '../../../api/types';
import { ensureNodePodCidr, releaseNodePodCidr } from './node-pod-cidr';

let bed: TestRegistry;
let backend: EtcdBackend;
let registry: Registry;

before(async () => {
  bed = await startTestRegistry({ bootstrap: false });
  ({ backend, registry } = bed);
});

after(async () => {
  await bed?.stop();
});

const createNode = async (name: string) =>
  (await registry.storeFor('', 'v1', 'nodes').create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {} })).object;
const podCidrOf = (node: KubeObject) => ((node as { spec?: unknown }).spec as { podCIDR?: string; podCIDRs?: string[] });

test('each node gets its own /24, keeps it on re-registration, and a deleted node’s subnet goes to a new node', async () => {
  const subnets = podCidrAllocator(backend, '10.244.0.0/23');
  const a = await ensureNodePodCidr(registry, await createNode('kap-a'), subnets);
  const b = await ensureNodePodCidr(registry, await createNode('kap-b'), subnets);
  assert.notEqual(podCidrOf(a).podCIDR, podCidrOf(b).podCIDR);
  assert.deepEqual(podCidrOf(a).podCIDRs, [podCidrOf(a).podCIDR]);
  const again = await ensureNodePodCidr(registry, await registry.storeFor('', 'v1', 'nodes').get(undefined, 'kap-a'), subnets);
  assert.equal(podCidrOf(again).podCIDR, podCidrOf(a).podCIDR);

  // The range (two /24s) is full: a deleted node's subnet is reused.
  await assert.rejects(ensureNodePodCidr(registry, await createNode('kap-c'), subnets));
  await registry.storeFor('', 'v1', 'nodes').delete(undefined, 'kap-a');
  const c = await ensureNodePodCidr(registry, await registry.storeFor('', 'v1', 'nodes').get(undefined, 'kap-c'), subnets);
  assert.equal(podCidrOf(c).podCIDR, podCidrOf(a).podCIDR);

  // Released explicitly (as a Node deletion hook does), the subnet is free at once.
  await registry.storeFor('', 'v1', 'nodes').delete(undefined, 'kap-b');
  await releaseNodePodCidr(b, subnets);
  assert.equal(await subnets.store.get(podCidrOf(b).podCIDR!), undefined);
});
