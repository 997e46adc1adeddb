// Service allocation through the strategy, against a real etcd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBackend, TestBackend } from '../../../test/harness/registry';
import { EtcdBackend } from '../../storage/etcd-backend';
import { ApiError } from '../../../api/errors';
import type { KubeObject } from '../../../api/types';
import { nodePortAllocator, serviceIpAllocator } from '../allocators/cluster-allocators';
import { allocatingServiceStrategy, serviceStrategy } from './service';

let bed: TestBackend;
let backend: EtcdBackend;

before(async () => {
  bed = await startTestBackend();
  ({ backend } = bed);
});

after(async () => {
  await bed?.stop();
});

const service = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec },
});

const isInvalid = (field: string) => (err: unknown) =>
  err instanceof ApiError && err.code === 'Invalid' && err.httpStatus === 422 && JSON.stringify(err.details).includes(field);

function strategy() {
  return allocatingServiceStrategy({ serviceIps: serviceIpAllocator(backend, '10.96.20.0/24'), nodePorts: nodePortAllocator(backend) });
}

/** ClusterIPs the allocator chose at random in this file's tests. */
const randomlyAllocated: string[] = [];

test('ClusterIP allocated, requested one honoured, a taken or foreign one refused with 422, headless gets None', async () => {
  const s = strategy();
  const web = service('web', {});
  await s.beforeCreate(web);
  const ip = (web.spec as { clusterIP: string }).clusterIP;
  randomlyAllocated.push(ip);
  assert.match(ip, /^10\.96\.20\.\d+$/);
  assert.deepEqual((web.spec as { clusterIPs: string[] }).clusterIPs, [ip]);

  const pinned = service('pinned', { clusterIP: '10.96.20.53' });
  await s.beforeCreate(pinned);
  assert.equal((pinned.spec as { clusterIP: string }).clusterIP, '10.96.20.53');
  await assert.rejects(s.beforeCreate(service('thief', { clusterIP: '10.96.20.53' })), isInvalid('spec.clusterIP'));
  await assert.rejects(s.beforeCreate(service('outside', { clusterIP: '192.168.1.1' })), isInvalid('spec.clusterIP'));

  const headless = service('db', { clusterIP: 'None' });
  await s.beforeCreate(headless);
  assert.deepEqual((headless.spec as { clusterIPs: string[] }).clusterIPs, ['None']);

  // Removing the Service frees its IP for the next one that asks.
  await s.afterDelete!(pinned);
  const again = service('again', { clusterIP: '10.96.20.53' });
  await s.beforeCreate(again);
  assert.equal((again.spec as { clusterIP: string }).clusterIP, '10.96.20.53');
});

test('NodePort Services get a node port per port; a failed allocation takes nothing', async () => {
  const s = strategy();
  const np = service('np', { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81, nodePort: 31234 }] });
  await s.beforeCreate(np);
  randomlyAllocated.push((np.spec as { clusterIP: string }).clusterIP);
  // An address no Service of this file holds (the random ones above may be any of the range).
  const freeIp = ['10.96.20.77', '10.96.20.78', '10.96.20.79'].find((a) => !randomlyAllocated.includes(a))!;
  const ports = (np.spec as { ports: Array<{ nodePort: number }> }).ports.map((p) => p.nodePort);
  const freePort = ports[0] === 31500 ? 31501 : 31500;
  assert.equal(ports[1], 31234);
  assert.ok(ports[0] >= 30000 && ports[0] <= 32767 && ports[0] !== 31234);

  // The second port collides: the ClusterIP and first port it took are given back.
  const clash = service('clash', { type: 'NodePort', clusterIP: freeIp, ports: [{ name: 'a', port: 80, nodePort: freePort }, { name: 'b', port: 81, nodePort: 31234 }] });
  await assert.rejects(s.beforeCreate(clash), isInvalid('spec.ports[1].nodePort'));
  const retry = service('retry', { type: 'NodePort', clusterIP: freeIp, ports: [{ name: 'a', port: 80, nodePort: freePort }] });
  await s.beforeCreate(retry);

  await s.afterDelete!(np);
  await s.beforeCreate(service('after', { type: 'NodePort', ports: [{ name: 'b', port: 81, nodePort: 31234 }] }));
});

test('validation: clusterIP is immutable, updates that omit allocated fields keep them', () => {
  const old = service('web', { clusterIP: '10.96.20.9', clusterIPs: ['10.96.20.9'], type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }] });
  old.metadata.resourceVersion = '5';
  const changed = service('web', { clusterIP: '10.96.20.10', type: 'NodePort' });
  assert.equal(serviceStrategy.validate!(changed, old).length, 1);
  const omitted = service('web', { type: 'NodePort', ports: [{ name: 'http', port: 80 }] });
  serviceStrategy.prepareForUpdate!(omitted, old, { now: () => new Date() });
  assert.equal((omitted.spec as { clusterIP: string }).clusterIP, '10.96.20.9');
  assert.equal((omitted.spec as { ports: Array<{ nodePort: number }> }).ports[0].nodePort, 30080);
  assert.deepEqual(serviceStrategy.validate!(omitted, old), []);
  const misplaced = service('x', { ports: [{ port: 80, nodePort: 30001 }] });
  assert.equal(serviceStrategy.validate!(misplaced).length, 1);
});

test('a dry run fills in and checks the ClusterIP and node ports but claims nothing', async () => {
  const s = strategy();
  const dry = service('dry', { type: 'NodePort', clusterIP: '10.96.20.201', ports: [{ name: 'a', port: 80, nodePort: 31801 }, { name: 'b', port: 81 }] });
  await s.beforeCreate(dry, { dryRun: true });
  assert.deepEqual((dry.spec as { clusterIPs: string[] }).clusterIPs, ['10.96.20.201']);
  const ports = (dry.spec as { ports: Array<{ nodePort: number }> }).ports.map((p) => p.nodePort);
  assert.equal(ports[0], 31801);
  assert.ok(ports[1] >= 30000 && ports[1] <= 32767);
  const any = service('dry-any', {});
  await s.beforeCreate(any, { dryRun: true });
  assert.match((any.spec as { clusterIP: string }).clusterIP, /^10\.96\.20\.\d+$/);

  // Nothing was held: a real create gets the same values; a dry run of them now is refused.
  const real = service('real', { type: 'NodePort', clusterIP: '10.96.20.201', ports: [{ name: 'a', port: 80, nodePort: 31801 }] });
  await s.beforeCreate(real);
  await assert.rejects(s.beforeCreate(service('dry2', { clusterIP: '10.96.20.201' }), { dryRun: true }), isInvalid('spec.clusterIP'));
  await assert.rejects(
    s.beforeCreate(service('dry3', { type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 31801 }] }), { dryRun: true }),
    isInvalid('spec.ports[0].nodePort'),
  );
  await s.afterDelete!(real);
});
