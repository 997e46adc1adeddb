// The generic store against a real etcd: semantics Kubernetes clients rely on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRegistry, type TestRegistry } from '../../test/harness/registry';
import { EtcdBackend } from '../storage/etcd-backend';
import { Registry } from './registry';
import { noAdmission } from './strategy';
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';

let bed: TestRegistry;
let backend: EtcdBackend;
let registry: Registry;

before(async () => {
  bed = await startTestRegistry();
  ({ backend, registry } = bed);
});

after(async () => {
  await bed?.stop();
});

const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});

const deploy = (name: string, replicas = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  status: { replicas: 99 },
});

async function rejects(p: Promise<unknown>, code: string): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${err}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

test('create sets uid, creationTimestamp, generation and a resourceVersion from etcd', async () => {
  const store = registry.storeFor('', 'v1', 'configmaps');
  const { object } = await store.create('default', cm('a', { k: 'v' }));
  assert.match(object.metadata.uid!, /^[0-9a-f-]{36}$/);
  assert.match(object.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(object.metadata.generation, 1);
  const got = await store.get('default', 'a');
  assert.equal(got.metadata.resourceVersion, object.metadata.resourceVersion);
  const raw = await backend.get(store.key('default', 'a'));
  assert.equal(String(raw!.modRevision), object.metadata.resourceVersion);
  await rejects(store.create('default', cm('a')), 'AlreadyExists');
});

test('generateName makes a unique name', async () => {
  const store = registry.storeFor('', 'v1', 'configmaps');
  const { object } = await store.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
  assert.match(object.metadata.name!, /^gen-[a-z0-9]{5}$/);
});

test('create in a missing namespace is NotFound; a mismatched namespace is BadRequest', async () => {
  const store = registry.storeFor('', 'v1', 'configmaps');
  await rejects(store.create('nope', cm('x')), 'NotFound');
  await rejects(store.create('default', { ...cm('x'), metadata: { name: 'x', namespace: 'other' } }), 'BadRequest');
});

test('a stale resourceVersion on update is a Conflict; generation moves only with spec', async () => {
  const store = registry.storeFor('apps', 'v1', 'deployments');
  const { object: created } = await store.create('default', deploy('web'));
  assert.deepEqual(created.status, {}, 'status is reset on create');
  const stale = structuredClone(created);
  const labelled = structuredClone(created);
  labelled.metadata.labels = { tier: 'front' };
  const { object: v2 } = await store.update('default', 'web', labelled);
  assert.equal(v2.metadata.generation, 1, 'a label change is not a spec change');
  (stale.spec as { replicas: number }).replicas = 5;
  await rejects(store.update('default', 'web', stale), 'Conflict');
  const fresh = structuredClone(v2);
  (fresh.spec as { replicas: number }).replicas = 3;
  fresh.status = { replicas: 42 };
  const { object: v3 } = await store.update('default', 'web', fresh);
  assert.equal(v3.metadata.generation, 2);
  assert.deepEqual(v3.status, {}, 'the main resource ignores status');
  const statusOnly = structuredClone(v3);
  statusOnly.status = { replicas: 3 };
  (statusOnly.spec as { replicas: number }).replicas = 100;
  const { object: v4 } = await store.update('default', 'web', statusOnly, { subresource: 'status' });
  assert.deepEqual(v4.status, { replicas: 3 });
  assert.equal((v4.spec as { replicas: number }).replicas, 3, 'the status subresource ignores spec');
  assert.equal(v4.metadata.generation, 2);
});

test('an update that changes nothing writes nothing', async () => {
  const store = registry.storeFor('', 'v1', 'configmaps');
  const { object } = await store.create('default', cm('same', { a: '1' }));
  const { object: again } = await store.update('default', 'same', object);
  assert.equal(again.metadata.resourceVersion, object.metadata.resourceVersion);
});

test('finalizers hold an object until they are removed', async () => {
  const store = registry.storeFor('', 'v1', 'configmaps');
  await store.create('default', { ...cm('fin'), metadata: { name: 'fin', finalizers: ['example.com/hold'] } });
  const deleting = await store.delete('default', 'fin');
  assert.ok(deleting.metadata.deletionTimestamp);
  const cur = await store.get('default', 'fin');
  assert.ok(cur.metadata.deletionTimestamp);
  await rejects(store.update('default', 'fin', { ...cur, metadata: { ...cur.metadata, finalizers: ['example.com/hold', 'new'] } }), 'Invalid');
  await store.update('default', 'fin', { ...cur, metadata: { ...cur.metadata, finalizers: [] } });
  await rejects(store.get('default', 'fin'), 'NotFound');
});

test('propagationPolicy Orphan and Foreground add their finalizers', async () => {
  const store = registry.storeFor('apps', 'v1', 'deployments');
  await store.create('default', deploy('orph'));
  const o = await store.delete('default', 'orph', { propagationPolicy: 'Orphan' });
  assert.deepEqual(o.metadata.finalizers, ['orphan']);
  await store.create('default', deploy('fg'));
  const f = await store.delete('default', 'fg', { propagationPolicy: 'Foreground' });
  assert.deepEqual(f.metadata.finalizers, ['foregroundDeletion']);
  await store.create('default', deploy('bg'));
  await store.delete('default', 'bg', { propagationPolicy: 'Background' });
  await rejects(store.get('default', 'bg'), 'NotFound');
});

test('a bound pod is deleted gracefully; grace 0 removes it', async () => {
  const pods = registry.storeFor('', 'v1', 'pods');
  const pod = (name: string, nodeName?: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { nodeName, terminationGracePeriodSeconds: 20, containers: [{ name: 'c', image: 'busybox' }] },
  });
  await pods.create('default', pod('unbound'));
  await pods.delete('default', 'unbound');
  await rejects(pods.get('default', 'unbound'), 'NotFound');

  await pods.create('default', pod('bound', 'node-1'));
  const d = await pods.delete('default', 'bound');
  assert.equal(d.metadata.deletionGracePeriodSeconds, 20);
  const shorter = await pods.delete('default', 'bound', { gracePeriodSeconds: 5 });
  assert.equal(shorter.metadata.deletionGracePeriodSeconds, 5);
  await pods.delete('default', 'bound', { gracePeriodSeconds: 0 });
  await rejects(pods.get('default', 'bound'), 'NotFound');
});

test('delete preconditions are checked', async () => {
  const store = registry.storeFor('', 'v1', 'configmaps');
  const { object } = await store.create('default', cm('pre'));
  await rejects(store.delete('default', 'pre', { preconditions: { uid: 'other' } }), 'Conflict');
  await rejects(store.delete('default', 'pre', { preconditions: { resourceVersion: '1' } }), 'Conflict');
  await store.delete('default', 'pre', { preconditions: { uid: object.metadata.uid } });
});

test('list pages with limit and continue at one revision', async () => {
  await registry.storeFor('', 'v1', 'namespaces').create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paging' } });
  const store = registry.storeFor('', 'v1', 'configmaps');
  for (let i = 0; i < 7; i++) await store.create('paging', cm(`p${i}`, {}, { odd: String(i % 2) }));
  const first = await store.list('paging', { limit: 3 });
  assert.deepEqual(first.items.map((o) => o.metadata.name), ['p0', 'p1', 'p2']);
  assert.ok(first.metadata.continue);
  await store.create('paging', cm('p9'));
  const second = await store.list('paging', { limit: 3, continue: first.metadata.continue });
  assert.deepEqual(second.items.map((o) => o.metadata.name), ['p3', 'p4', 'p5']);
  assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
  const third = await store.list('paging', { limit: 3, continue: second.metadata.continue });
  assert.deepEqual(third.items.map((o) => o.metadata.name), ['p6'], 'p9 came after the first page was read');
  assert.equal(third.metadata.continue, undefined);
  const odd = await store.list('paging', { limit: 2, filter: (o) => o.metadata.labels?.odd === '1' });
  assert.deepEqual(odd.items.map((o) => o.metadata.name), ['p1', 'p3']);
  const rest = await store.list('paging', { limit: 2, continue: odd.metadata.continue, filter: (o) => o.metadata.labels?.odd === '1' });
  assert.deepEqual(rest.items.map((o) => o.metadata.name), ['p5']);
  await rejects(store.list('paging', { continue: 'garbage' }), 'BadRequest');
});

test('watch from a resourceVersion replays every event in order, then live ones', async () => {
  const store = registry.storeFor('', 'v1', 'configmaps');
  const { object } = await store.create('default', cm('w0'));
  const from = object.metadata.resourceVersion!;
  await store.create('default', cm('w1'));
  const w1 = await store.get('default', 'w1');
  await store.update('default', 'w1', { ...w1, data: { x: 'y' } });
  await store.delete('default', 'w1');
  const seen: string[] = [];
  let done: () => void;
  const all = new Promise<void>((r) => (done = r));
  const sub = await store.watch('default', { resourceVersion: from, filter: (o) => o.metadata.name!.startsWith('w') }, {
    onEvent: (type, { object: obj }) => {
      seen.push(`${type} ${obj.metadata.name}`);
      if (seen.length === 4) done();
    },
    onError: (err) => assert.fail(err),
  });
  await store.create('default', cm('w2'));
  await all;
  sub.close();
  assert.deepEqual(seen, ['ADDED w1', 'MODIFIED w1', 'DELETED w1', 'ADDED w2']);
});

test('a watch from a compacted revision fails with Gone', async () => {
  const store = registry.storeFor('', 'v1', 'configmaps');
  const { object } = await store.create('default', cm('c0'));
  const old = Number(object.metadata.resourceVersion);
  // Push the cache's buffer past `old` is not needed: an old revision before the cache start goes to etcd directly.
  for (let i = 0; i < 3; i++) await store.create('default', cm(`c${i + 1}`));
  await backend.compact(await backend.currentRevision());
  const err = await new Promise<ApiError>((resolve) => {
    store
      .watch('default', { resourceVersion: '1' }, { onEvent: () => undefined, onError: resolve })
      .catch(resolve);
  });
  assert.equal(err.code, 'Gone');
  assert.ok(old > 1);
});

test('a pod held only by finalizers goes once they are removed, if nothing else waits for it', async () => {
  const pods = registry.storeFor('', 'v1', 'pods');
  await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'held', finalizers: ['example.com/hold'] }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const deleting = await pods.delete('default', 'held');
  assert.ok(deleting.metadata.deletionTimestamp);
  await pods.update('default', 'held', { ...deleting, metadata: { ...deleting.metadata, finalizers: [] } });
  await rejects(pods.get('default', 'held'), 'NotFound');
});

test('sameJson ignores key order and undefined fields, nothing else', async () => {
  const { sameJson } = await import('./store');
  assert.ok(sameJson({ a: 1, b: { c: [1, { d: 'x' }] } }, { b: { c: [1, { d: 'x' }] }, a: 1 }));
  assert.ok(sameJson({ a: 1, u: undefined }, { a: 1 }));
  assert.ok(sameJson([undefined], [null]));
  assert.ok(!sameJson({ a: 1 }, { a: 1, b: null }));
  assert.ok(!sameJson({ a: [1, 2] }, { a: [2, 1] }));
  assert.ok(!sameJson({ a: '1' }, { a: 1 }));
  assert.ok(!sameJson({ a: {} }, { a: [] }));
});

test('updates starting from a stale watch-cache guess act on the stored object', async () => {
  const frozen = new Registry(backend, noAdmission);
  await frozen.start();
  const stale = frozen.storeFor('', 'v1', 'configmaps');
  const live = registry.storeFor('', 'v1', 'configmaps');
  const data = (o: KubeObject) => o.data as Record<string, string>;
  try {
    await stale.create('default', cm('guess', { v: '1', n: '0' }));
    const key = stale.key('default', 'guess');
    while (!stale.cache.latestStored(key)) await new Promise((r) => setTimeout(r, 10));
    frozen.stop(); // its cache keeps v=1 from now on
    const v2 = await live.update('default', 'guess', { ...cm('guess', { v: '2', n: '0' }) });
    // A precondition naming the stored version holds although the guess is older.
    const withPrecondition = await stale.update('default', 'guess', { ...cm('guess', { v: '3', n: '0' }), metadata: { name: 'guess', resourceVersion: v2.object.metadata.resourceVersion } });
    assert.equal(data(withPrecondition.object).v, '3');
    // Writing what the stale guess already holds is still a change to the stored object.
    const back = await stale.update('default', 'guess', cm('guess', { v: '1', n: '0' }));
    assert.equal(data(back.object).v, '1');
    assert.equal(data(await live.get('default', 'guess')).v, '1');
    // A read-modify-write builds on the stored object, not on the guess.
    await live.guaranteedUpdate('default', 'guess', undefined, (o) => ({ ...o, data: { ...(o.data as object), n: '5' } }));
    const bumped = await stale.guaranteedUpdate('default', 'guess', undefined, (o) => ({ ...o, data: { ...data(o), n: String(Number(data(o).n) + 1) } }));
    assert.equal(data(bumped.object).n, '6');
    assert.equal(data(await live.get('default', 'guess')).n, '6');
    // A stale precondition is still a conflict.
    await rejects(stale.update('default', 'guess', { ...cm('guess', { v: '9' }), metadata: { name: 'guess', resourceVersion: v2.object.metadata.resourceVersion } }), 'Conflict');
  } finally {
    frozen.stop();
  }
});
