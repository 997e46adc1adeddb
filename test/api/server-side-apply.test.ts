// Server-side apply and metadata.managedFields over HTTPS on a real etcd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApiServer, TestApiServer } from '../harness/api-server';
import { request } from '../harness/http';

let api: TestApiServer;

before(async () => {
  api = await startTestApiServer();
});

after(async () => {
  await api?.stop();
});

const APPLY = 'application/apply-patch+yaml';
const CM = '/api/v1/namespaces/default/configmaps';
const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';

function apply(path: string, body: unknown, manager: string | undefined, extra = '') {
  const q = manager === undefined ? '' : `?fieldManager=${encodeURIComponent(manager)}${extra}`;
  return request(api, 'PATCH', path + q, { body: typeof body === 'string' ? body : JSON.stringify(body), contentType: APPLY });
}

const cm = (name: string, data: Record<string, string>, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

type Entry = { manager: string; operation: string; apiVersion: string; time: string; fieldsType: string; fieldsV1: any; subresource?: string };
const entries = (obj: any): Entry[] => obj.metadata.managedFields ?? [];
const entryOf = (obj: any, manager: string, operation = 'Apply') => entries(obj).find((e) => e.manager === manager && e.operation === operation);

test('apply creates the object (201) from a YAML body and records an Apply entry', async () => {
  const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-create\n  labels:\n    app: web\ndata:\n  a: "1"\n  b: "2"\n';
  const res = await apply(`${CM}/ssa-create`, yaml, 'tool-a');
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.body.data, { a: '1', b: '2' });
  const e = entryOf(res.body, 'tool-a');
  assert.ok(e, JSON.stringify(res.body.metadata));
  assert.equal(e.apiVersion, 'v1');
  assert.equal(e.fieldsType, 'FieldsV1');
  assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(e.fieldsV1, { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } });
  // The same apply again changes nothing.
  const again = await apply(`${CM}/ssa-create`, yaml, 'tool-a');
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.metadata.resourceVersion, res.body.metadata.resourceVersion);
});

test('a missing fieldManager is 422 as Kubernetes; a wrong body is 400', async () => {
  const res = await apply(`${CM}/ssa-nomanager`, cm('ssa-nomanager', { a: '1' }), undefined);
  assert.equal(res.status, 422, res.text);
  assert.equal(res.body.reason, 'Invalid');
  assert.match(res.body.message, /fieldManager: Required value/);
  const wrongName = await apply(`${CM}/ssa-x`, cm('ssa-y', {}), 'tool-a');
  assert.equal(wrongName.status, 400, wrongName.text);
  const withManaged = await apply(`${CM}/ssa-x`, { ...cm('ssa-x', {}), metadata: { name: 'ssa-x', managedFields: [{ manager: 'x' }] } }, 'tool-a');
  assert.equal(withManaged.status, 400, withManaged.text);
  assert.match(withManaged.body.message, /managedFields must be nil/);
  const unknown = await apply(`${CM}/ssa-x`, { ...cm('ssa-x', {}), bogus: 1 }, 'tool-a', '&fieldValidation=Strict');
  assert.equal(unknown.status, 400, unknown.text);
  assert.match(unknown.body.message, /unknown field "bogus"/);
  const forceOnMerge = await request(api, 'PATCH', `${CM}/ssa-x?force=true`, { body: {}, contentType: 'application/merge-patch+json' });
  assert.equal(forceOnMerge.status, 422, forceOnMerge.text);
  assert.match(forceOnMerge.body.message, /force: Forbidden: may not be specified for non-apply patch/);
});

test('re-applying without a field removes it', async () => {
  assert.equal((await apply(`${CM}/ssa-remove`, cm('ssa-remove', { a: '1', b: '2' }, { keep: 'y', drop: 'y' }), 'tool-a')).status, 201);
  const res = await apply(`${CM}/ssa-remove`, cm('ssa-remove', { a: '1' }, { keep: 'y' }), 'tool-a');
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.data, { a: '1' });
  assert.deepEqual(res.body.metadata.labels, { keep: 'y' });
  assert.deepEqual(entryOf(res.body, 'tool-a')!.fieldsV1, { 'f:data': { 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:keep': {} } } });
});

test('two managers own different fields and coexist; a field both applied stays when one drops it', async () => {
  const path = `${CM}/ssa-two`;
  assert.equal((await apply(path, cm('ssa-two', { a: '1', shared: 's' }), 'tool-a')).status, 201);
  const b = await apply(path, cm('ssa-two', { b: '2', shared: 's' }), 'tool-b');
  assert.equal(b.status, 200, b.text);
  assert.deepEqual(b.body.data, { a: '1', shared: 's', b: '2' });
  assert.deepEqual(entryOf(b.body, 'tool-a')!.fieldsV1, { 'f:data': { 'f:a': {}, 'f:shared': {} } });
  assert.deepEqual(entryOf(b.body, 'tool-b')!.fieldsV1, { 'f:data': { 'f:b': {}, 'f:shared': {} } });
  // tool-a stops applying `shared`: tool-b still owns it, so it stays.
  const a2 = await apply(path, cm('ssa-two', { a: '1' }), 'tool-a');
  assert.equal(a2.status, 200, a2.text);
  assert.deepEqual(a2.body.data, { a: '1', shared: 's', b: '2' });
});

test('a conflicting apply is a 409 listing each field and its manager; force moves ownership', async () => {
  const path = `${CM}/ssa-conflict`;
  assert.equal((await apply(path, cm('ssa-conflict', { a: '1', b: '1' }), 'tool-a')).status, 201);
  const clash = await apply(path, cm('ssa-conflict', { a: '2', b: '2', c: '3' }), 'tool-b');
  assert.equal(clash.status, 409, clash.text);
  assert.equal(clash.body.kind, 'Status');
  assert.equal(clash.body.reason, 'Conflict');
  assert.match(clash.body.message, /^Apply failed with 2 conflicts: conflicts with "tool-a":\n- \.data\.a\n- \.data\.b$/);
  assert.deepEqual(clash.body.details.causes, [
    { reason: 'FieldManagerConflict', message: 'conflict with "tool-a"', field: '.data.a' },
    { reason: 'FieldManagerConflict', message: 'conflict with "tool-a"', field: '.data.b' },
  ]);
  const unchanged = await request(api, 'GET', path);
  assert.deepEqual(unchanged.body.data, { a: '1', b: '1' });

  const forced = await apply(path, cm('ssa-conflict', { a: '2', c: '3' }), 'tool-b', '&force=true');
  assert.equal(forced.status, 200, forced.text);
  assert.deepEqual(forced.body.data, { a: '2', b: '1', c: '3' });
  assert.deepEqual(entryOf(forced.body, 'tool-a')!.fieldsV1, { 'f:data': { 'f:b': {} } });
  assert.deepEqual(entryOf(forced.body, 'tool-b')!.fieldsV1, { 'f:data': { 'f:a': {}, 'f:c': {} } });
  // tool-a lost .data.a: applying its old value now conflicts with tool-b.
  const back = await apply(path, cm('ssa-conflict', { a: '1', b: '1' }), 'tool-a');
  assert.equal(back.status, 409, back.text);
  assert.equal(back.body.message, 'Apply failed with 1 conflict: conflict with "tool-b": .data.a');
});

test('an update by another manager takes ownership of the fields it changes', async () => {
  const path = `${CM}/ssa-update`;
  assert.equal((await apply(path, cm('ssa-update', { a: '1', b: '1' }), 'tool-a')).status, 201);
  const patched = await request(api, 'PATCH', `${path}?fieldManager=editor`, { body: { data: { a: '9' } }, contentType: 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual(entryOf(patched.body, 'editor', 'Update')!.fieldsV1, { 'f:data': { 'f:a': {} } });
  assert.deepEqual(entryOf(patched.body, 'tool-a')!.fieldsV1, { 'f:data': { 'f:b': {} } });
  // Applying the old value back now conflicts with the Update manager, named with its apiVersion.
  const clash = await apply(path, cm('ssa-update', { a: '1', b: '1' }), 'tool-a');
  assert.equal(clash.status, 409, clash.text);
  assert.equal(clash.body.details.causes[0].message, 'conflict with "editor" using v1');
  // A PUT without fieldManager is recorded under the User-Agent's program name.
  const current = (await request(api, 'GET', path)).body;
  current.data.b = '5';
  const put = await request(api, 'PUT', path, { body: current });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(entryOf(put.body, 'unknown', 'Update')!.fieldsV1, { 'f:data': { 'f:b': {} } });
  assert.equal(entryOf(put.body, 'tool-a'), undefined, 'tool-a owned nothing else, so its entry goes');
});

test('POST records an Update entry with every field; a no-op update leaves the object alone', async () => {
  const res = await request(api, 'POST', `${CM}?fieldManager=kubectl-create`, { body: cm('ssa-post', { x: '1' }) });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(entries(res.body).map((e) => [e.manager, e.operation]), [['kubectl-create', 'Update']]);
  assert.deepEqual(entries(res.body)[0].fieldsV1, { 'f:data': { 'f:x': {} } });
  const same = await request(api, 'PATCH', `/api/v1/namespaces/default/configmaps/ssa-post?fieldManager=other`, { body: { data: { x: '1' } }, contentType: 'application/merge-patch+json' });
  assert.equal(same.body.metadata.resourceVersion, res.body.metadata.resourceVersion);
  assert.equal(entries(same.body).length, 1);
});

const deployment = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec });
const template = (containers: unknown[]) => ({ metadata: { labels: { app: 'ssa' } }, spec: { containers } });

test('a Deployment apply: managedFields in Kubernetes\' shape, map lists merged by key', async () => {
  const path = `${DEPLOY}/ssa-deploy`;
  const spec = {
    replicas: 2,
    selector: { matchLabels: { app: 'ssa' } },
    template: template([{ name: 'main', image: 'busybox:1.35', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }] }]),
  };
  const res = await apply(path, deployment('ssa-deploy', spec), 'kubectl');
  assert.equal(res.status, 201, res.text);
  const fields = entryOf(res.body, 'kubectl')!.fieldsV1;
  assert.deepEqual(fields, {
    'f:spec': {
      'f:replicas': {},
      'f:selector': { 'f:matchLabels': { 'f:app': {} } },
      'f:template': {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"main"}': {
              '.': {},
              'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
              'f:image': {},
              'f:name': {},
              // Kubernetes keys container ports by number and protocol (TCP when left out).
              'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
            },
          },
        },
      },
    },
  });
  // Defaults (imagePullPolicy, ...) are in the object but owned by nobody.
  assert.equal(res.body.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');

  // A second manager adds a sidecar container: the map list merges by name.
  const sidecar = await apply(path, deployment('ssa-deploy', { template: template([{ name: 'sidecar', image: 'busybox:1.36' }]) }), 'sidecar-injector');
  assert.equal(sidecar.status, 200, sidecar.text);
  assert.deepEqual(sidecar.body.spec.template.spec.containers.map((c: any) => c.name), ['main', 'sidecar']);
  // The first manager drops its env var: gone; the sidecar stays (not its to remove).
  const spec2 = { ...spec, template: template([{ name: 'main', image: 'busybox:1.36', ports: [{ containerPort: 80 }] }]) };
  const again = await apply(path, deployment('ssa-deploy', spec2), 'kubectl');
  assert.equal(again.status, 200, again.text);
  const containers = again.body.spec.template.spec.containers;
  assert.deepEqual(containers.map((c: any) => c.name), ['main', 'sidecar']);
  assert.equal(containers[0].env, undefined);
  assert.equal(containers[0].image, 'busybox:1.36');
  assert.equal(again.body.metadata.generation, 3);

  // A scale by an Update manager takes spec.replicas; applying another value conflicts.
  const scaled = await request(api, 'PATCH', `${path}/scale?fieldManager=hpa`, { body: { spec: { replicas: 5 } }, contentType: 'application/merge-patch+json' });
  assert.equal(scaled.status, 200, scaled.text);
  const clash = await apply(path, deployment('ssa-deploy', spec2), 'kubectl');
  assert.equal(clash.status, 409, clash.text);
  assert.deepEqual(clash.body.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "hpa" with subresource "scale" using apps/v1', field: '.spec.replicas' }]);
});

test('status subresource apply owns status fields only', async () => {
  const path = `${DEPLOY}/ssa-status`;
  const spec = { replicas: 1, selector: { matchLabels: { app: 'ssa' } }, template: template([{ name: 'main', image: 'busybox:1.35' }]) };
  assert.equal((await apply(path, deployment('ssa-status', spec), 'kubectl')).status, 201);
  const body = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-status' }, status: { observedGeneration: 1, conditions: [{ type: 'Available', status: 'True' }] } };
  const res = await apply(`${path}/status`, body, 'my-controller');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status.conditions[0].type, 'Available');
  const e = entries(res.body).find((x) => x.manager === 'my-controller')!;
  assert.equal(e.subresource, 'status');
  assert.deepEqual(e.fieldsV1, { 'f:status': { 'f:conditions': { 'k:{"type":"Available"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:observedGeneration': {} } });
  // Status in a main-resource apply is ignored, as Kubernetes resets it.
  const main = await apply(path, { ...deployment('ssa-status', spec), status: { observedGeneration: 7 } }, 'kubectl');
  assert.equal(main.body.status.observedGeneration, 1);
  const missing = await apply(`${DEPLOY}/ssa-none/status`, { ...body, metadata: { name: 'ssa-none' } }, 'my-controller');
  assert.equal(missing.status, 404, missing.text);
});

test('Service ports merge by port and protocol; finalizers are a set two managers share; cluster-scoped objects apply too', async () => {
  const path = '/api/v1/namespaces/default/services/ssa-svc';
  const svc = (ports: unknown[], finalizers: string[]) => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'ssa-svc', finalizers }, spec: { selector: { app: 'x' }, ports },
  });
  const a = await apply(path, svc([{ name: 'http', port: 80 }], ['example.com/a']), 'tool-a');
  assert.equal(a.status, 201, a.text);
  const b = await apply(path, svc([{ name: 'https', port: 443 }], ['example.com/b']), 'tool-b');
  assert.equal(b.status, 200, b.text);
  assert.deepEqual(b.body.spec.ports.map((p: any) => p.port), [80, 443]);
  assert.deepEqual(b.body.metadata.finalizers, ['example.com/a', 'example.com/b']);
  assert.deepEqual(entryOf(b.body, 'tool-b')!.fieldsV1['f:metadata'], { 'f:finalizers': { 'v:"example.com/b"': {} } });
  assert.ok(entryOf(b.body, 'tool-b')!.fieldsV1['f:spec']['f:ports']['k:{"port":443,"protocol":"TCP"}']);
  // tool-a drops its finalizer and port: only its own go.
  const a2 = await apply(path, svc([], []), 'tool-a');
  assert.equal(a2.status, 200, a2.text);
  assert.deepEqual(a2.body.metadata.finalizers, ['example.com/b']);
  assert.deepEqual(a2.body.spec.ports.map((p: any) => p.port), [443]);
  const cleared = await apply(path, svc([{ name: 'https', port: 443 }], []), 'tool-b');
  assert.equal(cleared.status, 200, cleared.text);
  assert.equal(cleared.body.metadata.finalizers, undefined);

  const ns = await apply('/api/v1/namespaces/kap-ssa-ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kap-ssa-ns', labels: { team: 'a' } } }, 'tool-a');
  assert.equal(ns.status, 201, ns.text);
  assert.deepEqual(entryOf(ns.body, 'tool-a')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:team': {} } } });
  await request(api, 'DELETE', '/api/v1/namespaces/kap-ssa-ns');
});
