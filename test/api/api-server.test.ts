// The apiserver over HTTPS on a real etcd: the wire format kubectl and our
// components depend on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApiServer, TestApiServer } from '../harness/api-server';
import { request, openWatch, Endpoint } from '../harness/http';

let api: TestApiServer;

before(async () => {
  api = await startTestApiServer();
});

after(async () => {
  await api?.stop();
});

const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

const deployment = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{ name: 'web', image: 'busybox:1.35', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }],
      },
    },
    ...extra,
  },
});

async function etcdKeys(prefix: string): Promise<string[]> {
  const res = await api.server.backend.list(prefix);
  return res.kvs.map((kv) => kv.key);
}

test('requests without a valid token get 401 as a Status', async () => {
  const res = await request(api, 'GET', '/api/v1/namespaces', { token: null });
  assert.equal(res.status, 401);
  assert.equal(res.body.kind, 'Status');
  assert.equal(res.body.reason, 'Unauthorized');
  const bad = await request(api, 'GET', '/api/v1/namespaces', { token: 'wrong' });
  assert.equal(bad.status, 401);
  assert.equal((await request(api, 'GET', '/healthz', { token: null })).text, 'ok');
});

test('discovery lists groups, resources, short names and subresources', async () => {
  const apiDoc = (await request(api, 'GET', '/api')).body;
  assert.deepEqual(apiDoc.versions, ['v1']);
  const groups = (await request(api, 'GET', '/apis')).body;
  const names = groups.groups.map((g: { name: string }) => g.name);
  for (const g of ['apps', 'batch', 'coordination.k8s.io']) assert.ok(names.includes(g), g);
  const core = (await request(api, 'GET', '/api/v1')).body;
  const pods = core.resources.find((r: { name: string }) => r.name === 'pods');
  assert.deepEqual(pods.shortNames, ['po']);
  assert.equal(pods.namespaced, true);
  assert.ok(core.resources.some((r: { name: string }) => r.name === 'pods/binding'));
  const apps = (await request(api, 'GET', '/apis/apps/v1')).body;
  const scale = apps.resources.find((r: { name: string }) => r.name === 'deployments/scale');
  assert.equal(scale.kind, 'Scale');
  assert.equal(scale.group, 'autoscaling');
  const shorts = [...core.resources, ...apps.resources].flatMap((r: { shortNames?: string[] }) => r.shortNames ?? []);
  for (const s of ['po', 'svc', 'ns', 'cm', 'no', 'ep', 'ev', 'deploy', 'rs', 'ds']) assert.ok(shorts.includes(s), s);
});

test('create, get, list, update and delete a ConfigMap over HTTP', async () => {
  const created = await request(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('crud', { a: '1' }) });
  assert.equal(created.status, 201);
  assert.equal(created.body.metadata.namespace, 'default');
  const got = await request(api, 'GET', '/api/v1/namespaces/default/configmaps/crud');
  assert.equal(got.status, 200);
  assert.deepEqual(got.body.data, { a: '1' });
  const list = await request(api, 'GET', '/api/v1/namespaces/default/configmaps');
  assert.equal(list.body.kind, 'ConfigMapList');
  assert.ok(list.body.items.some((i: { metadata: { name: string } }) => i.metadata.name === 'crud'));
  assert.ok(Number(list.body.metadata.resourceVersion) >= Number(created.body.metadata.resourceVersion));
  const updated = await request(api, 'PUT', '/api/v1/namespaces/default/configmaps/crud', { body: { ...got.body, data: { a: '2' } } });
  assert.equal(updated.status, 200);
  assert.deepEqual(updated.body.data, { a: '2' });
  const stale = await request(api, 'PUT', '/api/v1/namespaces/default/configmaps/crud', { body: { ...got.body, data: { a: '3' } } });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.reason, 'Conflict');
  assert.match(stale.body.message, /the object has been modified/);
  const del = await request(api, 'DELETE', '/api/v1/namespaces/default/configmaps/crud', { body: { propagationPolicy: 'Background' } });
  assert.equal(del.status, 200);
  const gone = await request(api, 'GET', '/api/v1/namespaces/default/configmaps/crud');
  assert.equal(gone.status, 404);
  assert.deepEqual(
    { kind: gone.body.kind, status: gone.body.status, reason: gone.body.reason, code: gone.body.code, message: gone.body.message },
    { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'configmaps "crud" not found' },
  );
});

test('duplicate create is AlreadyExists and leaves the first object', async () => {
  await request(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('dup', { v: 'first' }) });
  const again = await request(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('dup', { v: 'second' }) });
  assert.equal(again.status, 409);
  assert.equal(again.body.reason, 'AlreadyExists');
  assert.equal((await request(api, 'GET', '/api/v1/namespaces/default/configmaps/dup')).body.data.v, 'first');
});

test('an invalid object gets 422 naming every wrong field, and nothing is stored', async () => {
  const bad = deployment('broken', { replicas: -1 });
  (bad.spec.template.spec.containers[0] as Record<string, unknown>).image = undefined;
  (bad.spec.template.spec as Record<string, unknown>).restartPolicy = 'Sometimes';
  const res = await request(api, 'POST', '/apis/apps/v1/namespaces/default/deployments', { body: bad });
  assert.equal(res.status, 422, res.text);
  assert.equal(res.body.reason, 'Invalid');
  const fields = res.body.details.causes.map((c: { field: string }) => c.field);
  for (const f of ['spec.replicas', 'spec.template.spec.containers[0].image', 'spec.template.spec.restartPolicy']) {
    assert.ok(fields.includes(f), `${f} in ${JSON.stringify(fields)}`);
  }
  assert.deepEqual(await etcdKeys('/registry/apps/deployments/default/broken'), []);
});

test('unknown fields: Strict refuses with 400, Warn stores and warns', async () => {
  const body = { ...cm('strict'), spec: { nope: true } };
  const strict = await request(api, 'POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', { body });
  assert.equal(strict.status, 400);
  assert.match(strict.body.message, /unknown field "spec"/);
  const warn = await request(api, 'POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', { body });
  assert.equal(warn.status, 201);
  assert.match(String(warn.headers.warning), /299 - "unknown field \\"spec\\""/);
});

test('objects over 1.5 MiB get 413 and are not stored', async () => {
  const big = cm('huge', { blob: 'x'.repeat(1.6 * 1024 * 1024) });
  const res = await request(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: big });
  assert.equal(res.status, 413);
  assert.equal(res.body.reason, 'RequestEntityTooLarge');
  assert.deepEqual(await etcdKeys('/registry/core/configmaps/default/huge'), []);
  const body4 = cm('huger', { blob: 'x'.repeat(4 * 1024 * 1024) });
  assert.equal((await request(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: body4 })).status, 413);
});

test('defaults are applied as Kubernetes does', async () => {
  const res = await request(api, 'POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment('defaults') });
  assert.equal(res.status, 201, res.text);
  const d = res.body;
  assert.equal(d.spec.revisionHistoryLimit, 10);
  assert.equal(d.spec.strategy.type, 'RollingUpdate');
  assert.equal(d.spec.template.spec.restartPolicy, 'Always');
  assert.equal(d.spec.template.spec.terminationGracePeriodSeconds, 30);
  assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.equal(d.metadata.generation, 1);
});

test('merge, JSON and strategic merge patches', async () => {
  await request(api, 'POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment('patchme') });
  const path = '/apis/apps/v1/namespaces/default/deployments/patchme';
  const merge = await request(api, 'PATCH', path, { body: { spec: { replicas: 3 } }, contentType: 'application/merge-patch+json' });
  assert.equal(merge.status, 200, merge.text);
  assert.equal(merge.body.spec.replicas, 3);
  assert.equal(merge.body.metadata.generation, 2);
  const json = await request(api, 'PATCH', path, {
    body: [{ op: 'replace', path: '/spec/replicas', value: 4 }, { op: 'add', path: '/metadata/labels', value: { x: 'y' } }],
    contentType: 'application/json-patch+json',
  });
  assert.equal(json.status, 200, json.text);
  assert.equal(json.body.spec.replicas, 4);
  const smp = await request(api, 'PATCH', path, {
    body: { spec: { template: { spec: { containers: [{ name: 'web', image: 'busybox:1.36', env: [{ name: 'B', $patch: 'delete' }] }] } } } },
    contentType: 'application/strategic-merge-patch+json',
  });
  assert.equal(smp.status, 200, smp.text);
  const c = smp.body.spec.template.spec.containers;
  assert.equal(c.length, 1);
  assert.equal(c[0].image, 'busybox:1.36');
  assert.deepEqual(c[0].env, [{ name: 'A', value: '1' }]);
  const badType = await request(api, 'PATCH', path, { body: { spec: {} }, contentType: 'text/plain' });
  assert.equal(badType.status, 415);
  const statusPatch = await request(api, 'PATCH', `${path}/status`, { body: { status: { replicas: 7 }, spec: { replicas: 1 } }, contentType: 'application/merge-patch+json' });
  assert.equal(statusPatch.body.status.replicas, 7);
  assert.equal(statusPatch.body.spec.replicas, 4, 'the status subresource ignores spec');
});

test('scale subresource reads and writes spec.replicas', async () => {
  await request(api, 'POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment('scaled') });
  const scale = await request(api, 'GET', '/apis/apps/v1/namespaces/default/deployments/scaled/scale');
  assert.equal(scale.body.kind, 'Scale');
  assert.equal(scale.body.spec.replicas, 2);
  assert.equal(scale.body.status.selector, 'app=scaled');
  const patched = await request(api, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/scaled/scale', {
    body: { spec: { replicas: 5 } },
    contentType: 'application/merge-patch+json',
  });
  assert.equal(patched.body.spec.replicas, 5);
  assert.equal((await request(api, 'GET', '/apis/apps/v1/namespaces/default/deployments/scaled')).body.spec.replicas, 5);
});

test('label and field selectors filter lists', async () => {
  await request(api, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sel' } } });
  await request(api, 'POST', '/api/v1/namespaces/sel/configmaps', { body: cm('one', {}, { tier: 'front', env: 'prod' }) });
  await request(api, 'POST', '/api/v1/namespaces/sel/configmaps', { body: cm('two', {}, { tier: 'back', env: 'prod' }) });
  await request(api, 'POST', '/api/v1/namespaces/sel/configmaps', { body: cm('three', {}, { tier: 'front' }) });
  const names = async (q: string) =>
    (await request(api, 'GET', `/api/v1/namespaces/sel/configmaps?${q}`)).body.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort();
  assert.deepEqual(await names('labelSelector=tier%3Dfront'), ['one', 'three']);
  assert.deepEqual(await names('labelSelector=tier%3Dfront,env'), ['one']);
  assert.deepEqual(await names('labelSelector=tier%20in%20(back),env%3D%3Dprod'), ['two']);
  assert.deepEqual(await names('labelSelector=!env'), ['three']);
  assert.deepEqual(await names('labelSelector=tier!%3Dfront'), ['two']);
  assert.deepEqual(await names('fieldSelector=metadata.name%3Dtwo'), ['two']);
  const bad = await request(api, 'GET', '/api/v1/namespaces/sel/configmaps?fieldSelector=spec.nope%3Dx');
  assert.equal(bad.status, 400);
  const all = await request(api, 'GET', '/api/v1/configmaps?labelSelector=tier');
  assert.ok(all.body.items.length >= 3);
});

test('pods/binding binds once; a second binding is a 409', async () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bindme' }, spec: { containers: [{ name: 'c', image: 'busybox:1.35' }] } };
  const created = await request(api, 'POST', '/api/v1/namespaces/default/pods', { body: pod });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.status.phase, 'Pending');
  const binding = (node: string) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bindme' }, target: { kind: 'Node', name: node } });
  const first = await request(api, 'POST', '/api/v1/namespaces/default/pods/bindme/binding', { body: binding('node-a') });
  assert.equal(first.status, 201, first.text);
  const second = await request(api, 'POST', '/api/v1/namespaces/default/pods/bindme/binding', { body: binding('node-b') });
  assert.equal(second.status, 409);
  const got = (await request(api, 'GET', '/api/v1/namespaces/default/pods/bindme')).body;
  assert.equal(got.spec.nodeName, 'node-a');
  assert.ok(got.status.conditions.some((c: { type: string; status: string }) => c.type === 'PodScheduled' && c.status === 'True'));
  const onNode = await request(api, 'GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a');
  assert.deepEqual(onNode.body.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['bindme']);
});

test('a watch resumed from an old resourceVersion replays every event in order', async () => {
  await request(api, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'replay' } } });
  const first = await request(api, 'POST', '/api/v1/namespaces/replay/configmaps', { body: cm('r0') });
  const from = first.body.metadata.resourceVersion;
  for (let i = 1; i <= 5; i++) await request(api, 'POST', '/api/v1/namespaces/replay/configmaps', { body: cm(`r${i}`) });
  const r3 = (await request(api, 'GET', '/api/v1/namespaces/replay/configmaps/r3')).body;
  await request(api, 'PUT', '/api/v1/namespaces/replay/configmaps/r3', { body: { ...r3, data: { changed: 'yes' } } });
  await request(api, 'DELETE', '/api/v1/namespaces/replay/configmaps/r1');
  const w = await openWatch(api, `/api/v1/namespaces/replay/configmaps?watch=true&resourceVersion=${from}`);
  try {
    assert.equal(w.status, 200);
    const events = await w.waitFor(7);
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED r1', 'ADDED r2', 'ADDED r3', 'ADDED r4', 'ADDED r5', 'MODIFIED r3', 'DELETED r1'],
    );
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.deepEqual(rvs, [...rvs].sort((a, b) => a - b));
    await request(api, 'POST', '/api/v1/namespaces/replay/configmaps', { body: cm('live') });
    const more = await w.waitFor(8);
    assert.equal(more[7].object.metadata.name, 'live');
  } finally {
    w.close();
  }
});

test('a watch by name with resourceVersion=0 starts with the current object', async () => {
  await request(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('single', { v: '1' }) });
  await request(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('other') });
  const w = await openWatch(api, '/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dsingle&resourceVersion=0&watch=true');
  try {
    const [added] = await w.waitFor(1);
    assert.equal(added.type, 'ADDED');
    assert.equal(added.object.metadata.name, 'single');
    await request(api, 'PATCH', '/api/v1/namespaces/default/configmaps/other', { body: { data: { x: '1' } }, contentType: 'application/merge-patch+json' });
    await request(api, 'PATCH', '/api/v1/namespaces/default/configmaps/single', { body: { data: { v: '2' } }, contentType: 'application/merge-patch+json' });
    const events = await w.waitFor(2);
    assert.equal(events[1].type, 'MODIFIED');
    assert.equal(events[1].object.data.v, '2');
    assert.equal(w.events.length, 2, 'changes to other objects are not sent');
  } finally {
    w.close();
  }
});

test('watch honours timeoutSeconds and sends a bookmark when asked', async () => {
  const w = await openWatch(api, '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&allowWatchBookmarks=true&timeoutSeconds=1&fieldSelector=metadata.name%3Dnothing-here');
  await w.ended;
  const bookmark = w.events.find((e) => e.type === 'BOOKMARK');
  assert.ok(bookmark, JSON.stringify(w.events));
  assert.ok(Number(bookmark.object.metadata.resourceVersion) > 0);
});

test('a watch from a compacted revision ends with 410 Expired/Gone', async () => {
  for (let i = 0; i < 3; i++) await request(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm(`compact${i}`) });
  await api.server.backend.compact(await api.server.backend.currentRevision());
  const w = await openWatch(api, '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2');
  await w.ended;
  const err = w.events.find((e) => e.type === 'ERROR');
  assert.ok(err, JSON.stringify(w.events));
  assert.equal(err.object.code, 410);
});

test('two apiservers on one etcd see each other\'s writes through their watches', async () => {
  const peer = await api.startPeer();
  const peerEp: Endpoint = { url: peer.url, token: api.token, caPem: api.caPem };
  const w = await openWatch(peerEp, '/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dshared&resourceVersion=0');
  try {
    await request(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('shared', { from: 'first' }) });
    const [ev] = await w.waitFor(1);
    assert.equal(ev.type, 'ADDED');
    assert.equal(ev.object.data.from, 'first');
    const viaPeer = await request(peerEp, 'GET', '/api/v1/namespaces/default/configmaps/shared');
    assert.equal(viaPeer.body.metadata.resourceVersion, ev.object.metadata.resourceVersion);
  } finally {
    w.close();
  }
});

test('deleting a namespace removes everything in it, then the namespace', async () => {
  await request(api, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } } });
  await request(api, 'POST', '/api/v1/namespaces/doomed/configmaps', { body: cm('inside') });
  await request(api, 'POST', '/apis/apps/v1/namespaces/doomed/deployments', { body: deployment('inside') });
  // A finalizer keeps the namespace Terminating until its holder lets go.
  await request(api, 'POST', '/api/v1/namespaces/doomed/secrets', { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
  const w = await openWatch(api, '/api/v1/namespaces?watch=true&fieldSelector=metadata.name%3Ddoomed&resourceVersion=0');
  try {
    const del = await request(api, 'DELETE', '/api/v1/namespaces/doomed');
    assert.ok([200, 202].includes(del.status), del.text);
    const ns = (await request(api, 'GET', '/api/v1/namespaces/doomed')).body;
    assert.equal(ns.status.phase, 'Terminating');
    const refused = await request(api, 'POST', '/api/v1/namespaces/doomed/configmaps', { body: cm('late') });
    assert.equal(refused.status, 403);
    for (let i = 0; i < 100; i++) {
      const cms = (await request(api, 'GET', '/api/v1/namespaces/doomed/configmaps')).body.items;
      const deps = (await request(api, 'GET', '/apis/apps/v1/namespaces/doomed/deployments')).body.items;
      if (cms.length === 0 && deps.length === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await request(api, 'GET', '/api/v1/namespaces/doomed/configmaps/inside')).status, 404);
    assert.equal((await request(api, 'GET', '/api/v1/namespaces/doomed')).status, 200, 'held by the secret');
    await request(api, 'PATCH', '/api/v1/namespaces/doomed/secrets/held', { body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' });
    for (let i = 0; i < 150 && !w.events.some((e) => e.type === 'DELETED'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(w.events.map((e) => e.type).filter((t) => t !== 'MODIFIED'), ['ADDED', 'DELETED']);
  } finally {
    w.close();
  }
  assert.equal((await request(api, 'GET', '/api/v1/namespaces/doomed')).status, 404);
  const missing = await request(api, 'POST', '/api/v1/namespaces/never/configmaps', { body: cm('x') });
  assert.equal(missing.status, 404);
});

test('server-side printing returns a Table', async () => {
  const res = await request(api, 'GET', '/api/v1/namespaces', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
  assert.equal(res.body.kind, 'Table');
  assert.equal(res.body.columnDefinitions[0].name, 'Name');
  const row = res.body.rows.find((r: { cells: string[] }) => r.cells[0] === 'default');
  assert.ok(row);
  assert.equal(row.object.kind, 'PartialObjectMetadata');
});

test('a pod naming a PriorityClass gets its value as spec.priority; an unknown class is refused', async () => {
  const pc = await request(api, 'POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { body: { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'kap-high' }, value: 1000 } });
  assert.equal(pc.status, 201, pc.text);
  const pod = (name: string, priorityClassName: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { priorityClassName, containers: [{ name: 'c', image: 'busybox:1.35' }] } });
  const high = await request(api, 'POST', '/api/v1/namespaces/default/pods', { body: pod('prio-high', 'kap-high') });
  assert.equal(high.status, 201, high.text);
  assert.equal(high.body.spec.priority, 1000);
  const critical = await request(api, 'POST', '/api/v1/namespaces/default/pods', { body: pod('prio-critical', 'system-node-critical') });
  assert.equal(critical.body.spec.priority, 2000001000);
  const unknown = await request(api, 'POST', '/api/v1/namespaces/default/pods', { body: pod('prio-unknown', 'nope') });
  assert.equal(unknown.status, 403);
  assert.match(unknown.body.message, /no PriorityClass with name nope was found/);
});
