// The informer against a real apiserver on a real etcd.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabelSelector } from '../api/labels';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import { startTestApiServer, TestApiServer } from '../test/harness/api-server';
import { ManualClock } from '../test/controllers/manual-clock';
import { Informer, keyOf, stripManagedFields } from './informer';
import { RestClient, WatchOptions } from './rest-client';
import type { ResourceInfo } from '../api/resources';

const configMaps = findByKind('v1', 'ConfigMap')!;
const namespaces = findByKind('v1', 'Namespace')!;
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

const cm = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: {} });

async function makeNamespace(name: string): Promise<void> {
  await client.create(namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('lists, then watches: handlers hear adds, updates and deletes; the label index answers selectors', async () => {
  await makeNamespace('kap-inf-a');
  await client.create(configMaps, 'kap-inf-a', cm('before', { app: 'web' }));
  const inf = new Informer({ client, resource: configMaps, namespace: 'kap-inf-a' });
  const seen: string[] = [];
  inf.addEventHandler({
    onAdd: (o) => seen.push(`add ${o.metadata.name}`),
    onUpdate: (o, n) => seen.push(`update ${n.metadata.name} ${o.metadata.labels?.app}->${n.metadata.labels?.app}`),
    onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  inf.start();
  try {
    await inf.waitForSync();
    assert.ok(inf.hasSynced());
    assert.deepEqual(seen, ['add before']);
    await client.create(configMaps, 'kap-inf-a', cm('after', { app: 'db' }));
    const live = await client.get(configMaps, 'kap-inf-a', 'before');
    live.metadata.labels = { app: 'api' };
    await client.update(configMaps, 'kap-inf-a', live);
    await client.delete(configMaps, 'kap-inf-a', 'after');
    await eventually(() => seen.length >= 4, 'four events');
    assert.deepEqual(seen, ['add before', 'add after', 'update before web->api', 'delete after']);
    assert.deepEqual(inf.list().map(keyOf), ['kap-inf-a/before']);
    assert.deepEqual(inf.list('kap-inf-a').map(keyOf), ['kap-inf-a/before']);
    assert.deepEqual(inf.list('elsewhere'), []);
    assert.equal(inf.getByName('kap-inf-a', 'before')?.metadata.labels?.app, 'api');
    assert.deepEqual(inf.listBySelector('kap-inf-a', parseLabelSelector('app=api')).map(keyOf), ['kap-inf-a/before']);
    assert.deepEqual(inf.listBySelector('kap-inf-a', parseLabelSelector('app=web')), [], 'the old label left the index');
    assert.deepEqual(inf.listBySelector('kap-inf-a', parseLabelSelector('app in (api,db)')).map(keyOf), ['kap-inf-a/before']);
    assert.deepEqual(inf.listBySelector('other', parseLabelSelector('app=api')), []);
  } finally {
    await inf.stop();
  }
});

test('an update that keeps the labels keeps the object in the indexes; one that drops them takes it out', async () => {
  await makeNamespace('kap-inf-d');
  await client.create(configMaps, 'kap-inf-d', cm('x', { app: 'web', tier: 'front' }));
  const inf = new Informer({ client, resource: configMaps, namespace: 'kap-inf-d' });
  let updates = 0;
  inf.addEventHandler({ onUpdate: () => updates++ });
  inf.start();
  try {
    await inf.waitForSync();
    const live = await client.get(configMaps, 'kap-inf-d', 'x');
    live.data = { changed: 'yes' };
    live.metadata.labels = { tier: 'front', app: 'web' }; // same pairs, other order
    await client.update(configMaps, 'kap-inf-d', live);
    await eventually(() => updates >= 1, 'the update');
    assert.equal((inf.getByName('kap-inf-d', 'x')?.data as Record<string, string> | undefined)?.changed, 'yes');
    assert.deepEqual(inf.list('kap-inf-d').map(keyOf), ['kap-inf-d/x']);
    assert.deepEqual(inf.listBySelector('kap-inf-d', parseLabelSelector('app=web,tier=front')).map(keyOf), ['kap-inf-d/x']);
    const next = await client.get(configMaps, 'kap-inf-d', 'x');
    next.metadata.labels = { app: 'web' };
    await client.update(configMaps, 'kap-inf-d', next);
    await eventually(() => updates >= 2, 'the second update');
    assert.deepEqual(inf.listBySelector('kap-inf-d', parseLabelSelector('tier=front')), [], 'the dropped label left the index');
    assert.deepEqual(inf.listBySelector('kap-inf-d', parseLabelSelector('app=web')).map(keyOf), ['kap-inf-d/x']);
    assert.deepEqual(inf.list('kap-inf-d').map(keyOf), ['kap-inf-d/x']);
  } finally {
    await inf.stop();
  }
});

test('periodic resync replays the cache to handlers as updates', async () => {
  await makeNamespace('kap-inf-b');
  await client.create(configMaps, 'kap-inf-b', cm('one'));
  const clock = new ManualClock();
  const inf = new Informer({ client, resource: configMaps, namespace: 'kap-inf-b', resyncMs: 30_000, clock });
  const resynced: string[] = [];
  inf.addEventHandler({ onUpdate: (o, n) => o === n && resynced.push(n.metadata.name!) });
  inf.start();
  try {
    await inf.waitForSync();
    clock.advance(29_999);
    assert.deepEqual(resynced, []);
    clock.advance(1);
    assert.deepEqual(resynced, ['one']);
    clock.advance(30_000);
    assert.deepEqual(resynced, ['one', 'one']);
  } finally {
    await inf.stop();
  }
  assert.equal(clock.pending, 0, 'stop clears the resync timer');
});

/**
 * A RestClient whose first watch resumes from a revision etcd has compacted
 * away (older than the apiserver's watch cache, so etcd answers), after
 * changes that only a relist can show.
 */
class CompactingClient extends RestClient {
  watches = 0;
  override async watch<T>(r: ResourceInfo, ns: string | undefined, opts: WatchOptions = {}) {
    if (this.watches++ === 0) {
      await client.create(configMaps, 'kap-inf-c', cm('missed'));
      await client.delete(configMaps, 'kap-inf-c', 'doomed');
      const backend = api.server.backend;
      await backend.compact(await backend.currentRevision());
      return super.watch<T>(r, ns, { ...opts, resourceVersion: '1' });
    }
    return super.watch<T>(r, ns, opts);
  }
}

test('a watch whose resourceVersion was compacted relists; the differences reach the handlers', async () => {
  await makeNamespace('kap-inf-c');
  await client.create(configMaps, 'kap-inf-c', cm('doomed'));
  const compacting = new CompactingClient({ server: api.url, caPem: api.caPem, token: api.token });
  const inf = new Informer({ client: compacting, resource: configMaps, namespace: 'kap-inf-c', retryMs: 10 });
  const seen: string[] = [];
  inf.addEventHandler({ onAdd: (o) => seen.push(`add ${o.metadata.name}`), onDelete: (o) => seen.push(`delete ${o.metadata.name}`) });
  inf.start();
  try {
    await eventually(() => seen.length >= 3, 'the relist');
    assert.deepEqual(seen.slice().sort(), ['add doomed', 'add missed', 'delete doomed']);
    assert.deepEqual(inf.list().map((o) => o.metadata.name), ['missed']);
    await eventually(() => compacting.watches >= 2, 'a watch after relisting');
  } finally {
    await inf.stop();
    compacting.close();
  }
});

test('a transform sees every listed and watched object before the cache: stripManagedFields keeps no ownership entries, and a write of a cached object keeps the server\'s', async () => {
  await makeNamespace('kap-inf-strip');
  await client.create(configMaps, 'kap-inf-strip', cm('listed'));
  const inf = new Informer({ client, resource: configMaps, namespace: 'kap-inf-strip', transform: stripManagedFields });
  inf.start();
  try {
    await inf.waitForSync();
    await client.create(configMaps, 'kap-inf-strip', cm('watched'));
    await eventually(() => inf.get('kap-inf-strip/watched') !== undefined, 'the watched object');
    for (const name of ['listed', 'watched']) {
      assert.ok((await client.get(configMaps, 'kap-inf-strip', name)).metadata.managedFields?.length, `${name} has entries on the server`);
      assert.equal(inf.get(`kap-inf-strip/${name}`)!.metadata.managedFields, undefined, `${name} has none in the cache`);
    }
    const cached = inf.get('kap-inf-strip/listed')!;
    const updated = await client.update(configMaps, 'kap-inf-strip', { ...cached, data: { a: 'b' } });
    assert.ok(updated.metadata.managedFields?.length, 'the update kept the entries');
  } finally {
    inf.stop();
  }
});
