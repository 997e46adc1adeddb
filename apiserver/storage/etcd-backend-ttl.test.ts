// Writes with a TTL on real etcd, through both write paths: the lean gRPC
// client (plain-http endpoints) and the etcd3 client (any other endpoint).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEtcd, TestEtcd } from '../../test/harness/etcd';
import { EtcdBackend } from './etcd-backend';

let etcd: TestEtcd;
const backends: EtcdBackend[] = [];

before(async () => {
  etcd = await startTestEtcd();
});

after(async () => {
  for (const b of backends) await b.close();
  await etcd?.destroy();
});

async function leaseOf(backend: EtcdBackend, key: string): Promise<string> {
  const res = await backend.client.kv.range({ key: Buffer.from(key) });
  return String(res.kvs[0]?.lease);
}

for (const [path, endpoint] of [
  ['lean client', () => etcd.endpoint],
  ['etcd3 client', () => etcd.endpoint.replace(/^http:\/\//, '')],
] as const) {
  test(`${path}: a TTL attaches a shared lease; a write without one detaches it`, async () => {
    const backend = new EtcdBackend({ endpoints: [endpoint()] });
    backends.push(backend);
    const a = `/kaptest/${path}/a`;
    const b = `/kaptest/${path}/b`;
    assert.equal((await backend.create(a, Buffer.from('1'), { ttlSeconds: 600 })).ok, true);
    assert.equal((await backend.create(b, Buffer.from('1'), { ttlSeconds: 600 })).ok, true);
    const lease = await leaseOf(backend, a);
    assert.notEqual(lease, '0');
    assert.equal(await leaseOf(backend, b), lease, 'one lease for both');
    const ttl = Number((await backend.client.leaseClient.leaseTimeToLive({ ID: lease })).grantedTTL);
    assert.equal(ttl, 630, '600 s + a 30 s reuse window');
    const kv = (await backend.get(a))!;
    assert.equal((await backend.update(a, Buffer.from('2'), kv.modRevision)).ok, true);
    assert.equal(await leaseOf(backend, a), '0');
  });
}
