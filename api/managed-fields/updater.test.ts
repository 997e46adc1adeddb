import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../errors';
import type { KubeObject } from '../types';
import { applyConfiguration, managedFieldsAfterUpdate, WriteContext } from './updater';

const ctx = (manager: string, extra: Partial<WriteContext> = {}): WriteContext => ({
  kind: 'ConfigMap', apiVersion: 'v1', manager, statusIsSubresource: false, now: '2026-01-01T00:00:00Z', ...extra,
});
const cm = (data: Record<string, string>, managedFields?: unknown[]): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', uid: 'u', ...(managedFields ? { managedFields } : {}) }, data,
});
const owner = (obj: { managedFields: { manager: string; fieldsV1: unknown }[] }, who: string) => obj.managedFields.find((e) => e.manager === who)?.fieldsV1;

test('apply-create: the applier owns what it set; name, uid and apiVersion are nobody\'s', () => {
  const { managedFields } = applyConfiguration(undefined, cm({ a: '1' }), ctx('a'), false);
  assert.deepEqual(managedFields, [{ manager: 'a', operation: 'Apply', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }]);
});

test('apply removes what the manager stopped applying, unless someone else owns it', () => {
  let live = cm({ a: '1', b: '2' });
  live.metadata.managedFields = applyConfiguration(undefined, live, ctx('x'), false).managedFields;
  const y = applyConfiguration(live, cm({ b: '2' }), ctx('y'), false);
  live = { ...y.object, metadata: { ...y.object.metadata, managedFields: y.managedFields } };
  const { data: _d, ...nothing } = cm({});
  const x = applyConfiguration(live, nothing as KubeObject, ctx('x'), false);
  assert.deepEqual(x.object.data, { b: '2' });
  assert.deepEqual(owner({ managedFields: x.managedFields }, 'y'), { 'f:data': { 'f:b': {} } });
  assert.equal(owner({ managedFields: x.managedFields }, 'x'), undefined);
});

test('apply conflicts name every field and manager; force moves them', () => {
  const live = cm({ a: '1' });
  live.metadata.managedFields = managedFieldsAfterUpdate(undefined, live, ctx('editor'));
  assert.throws(
    () => applyConfiguration(live, cm({ a: '2' }), ctx('tool'), false),
    (err) => isApiError(err, 'Conflict') && err.message === 'Apply failed with 1 conflict: conflict with "editor" using v1: .data.a' && err.details?.causes?.[0].field === '.data.a',
  );
  // The same value is no conflict: both own it.
  const same = applyConfiguration(live, cm({ a: '1' }), ctx('tool'), false);
  assert.deepEqual(owner({ managedFields: same.managedFields }, 'editor'), { 'f:data': { 'f:a': {} } });
  const forced = applyConfiguration(live, cm({ a: '2' }), ctx('tool'), true);
  assert.equal(forced.object.data && (forced.object.data as Record<string, string>).a, '2');
  assert.deepEqual(forced.managedFields.map((e) => e.manager), ['tool']);
});

test('updates take the fields they change; unchanged writes keep entries and times', () => {
  const before = cm({ a: '1', b: '1' });
  before.metadata.managedFields = applyConfiguration(undefined, before, ctx('tool'), false).managedFields;
  const after = cm({ a: '2', b: '1', c: '3' }, before.metadata.managedFields);
  const entries = managedFieldsAfterUpdate(before, after, ctx('editor', { now: '2026-02-02T00:00:00Z' }));
  assert.deepEqual(owner({ managedFields: entries }, 'tool'), { 'f:data': { 'f:b': {} } });
  assert.deepEqual(owner({ managedFields: entries }, 'editor'), { 'f:data': { 'f:a': {}, 'f:c': {} } });
  assert.deepEqual(entries.map((e) => e.operation), ['Apply', 'Update'], 'Apply entries sort first');
  assert.deepEqual(managedFieldsAfterUpdate(before, structuredClone(before), ctx('other')), before.metadata.managedFields);
  // A client sending [{}] resets ownership.
  const reset = managedFieldsAfterUpdate(before, cm({ a: '1', b: '1' }, [{}]), ctx('other'));
  assert.deepEqual(reset, []);
});

test('status writes and main-resource writes own disjoint parts', () => {
  const dep = (status: object, replicas: number): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas }, status });
  const c = { kind: 'Deployment', apiVersion: 'apps/v1', statusIsSubresource: true };
  const main = managedFieldsAfterUpdate(dep({ replicas: 0 }, 1), dep({ replicas: 5 }, 2), ctx('m', c));
  assert.deepEqual(owner({ managedFields: main }, 'm'), { 'f:spec': { 'f:replicas': {} } });
  const status = managedFieldsAfterUpdate(dep({ replicas: 0 }, 1), dep({ replicas: 5 }, 2), ctx('s', { ...c, subresource: 'status' }));
  assert.deepEqual(status[0], { manager: 's', operation: 'Update', apiVersion: 'apps/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:replicas': {} } }, subresource: 'status' });
});

test('kubectl takes over fields its client-side last-applied annotation lists, and keeps the annotation in step', () => {
  const lastApplied = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } });
  const live = cm({ a: '1', b: '1' });
  live.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied };
  live.metadata.managedFields = managedFieldsAfterUpdate(undefined, live, ctx('kubectl-client-side-apply'));
  const config = cm({ a: '2', b: '2' });
  // .data.b is not in the annotation: still a conflict, and only it is reported.
  assert.throws(() => applyConfiguration(live, config, ctx('kubectl'), false), (err) => isApiError(err, 'Conflict') && /1 conflict: .*\.data\.b$/.test(err.message));
  assert.throws(() => applyConfiguration(live, cm({ a: '2' }), ctx('someone-else'), false), /\.data\.a/);
  const res = applyConfiguration(live, cm({ a: '2' }), ctx('kubectl'), false);
  assert.equal((res.object.data as Record<string, string>).a, '2');
  assert.deepEqual(JSON.parse(res.object.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']).data, { a: '2' });
});

test('ports are keyed by number and protocol (TCP when left out): 53/UDP and 53/TCP are two items', () => {
  const pod = (ports: unknown[]): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'dns', namespace: 'default' },
    spec: { containers: [{ name: 'dns', image: 'coredns', ports }] },
  });
  const podCtx: WriteContext = { ...ctx('tool'), kind: 'Pod', apiVersion: 'v1', statusIsSubresource: true };
  const both = [{ containerPort: 53, protocol: 'UDP', name: 'dns' }, { containerPort: 53, name: 'dns-tcp' }];
  const created = applyConfiguration(undefined, pod(both), podCtx, false);
  const ports = (created.object.spec as { containers: { ports: unknown[] }[] }).containers[0].ports;
  assert.deepEqual(ports, both);
  const owned = JSON.stringify(created.managedFields[0].fieldsV1);
  assert.match(owned, /k:\{\\"containerPort\\":53,\\"protocol\\":\\"UDP\\"\}/);
  assert.match(owned, /k:\{\\"containerPort\\":53,\\"protocol\\":\\"TCP\\"\}/);
  // Applying only the TCP port again removes the UDP one the manager no longer sets.
  const live = { ...created.object, metadata: { ...created.object.metadata, managedFields: created.managedFields } } as KubeObject;
  const tcpOnly = applyConfiguration(live, pod([{ containerPort: 53, protocol: 'TCP', name: 'dns-tcp' }]), podCtx, false);
  assert.deepEqual((tcpOnly.object.spec as { containers: { ports: unknown[] }[] }).containers[0].ports, [{ containerPort: 53, name: 'dns-tcp', protocol: 'TCP' }]);
  // Two items with one identity are refused, as Kubernetes does.
  assert.throws(() => applyConfiguration(undefined, pod([{ containerPort: 53 }, { containerPort: 53, protocol: 'TCP' }]), podCtx, false), (err) => isApiError(err, 'BadRequest') && /duplicate entries/.test(err.message));
});
