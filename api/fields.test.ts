import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from './errors';
import {
  parseFieldSelector, parseFieldSelectorFor, matchesFields, fieldsOf, fieldSelectorToString,
  escapeFieldValue, unescapeFieldValue, selectableFields,
} from './fields';

test('parses =, == and != terms', () => {
  assert.deepEqual(parseFieldSelector('metadata.name=x,spec.nodeName!=y,status.phase==Running'), [
    { field: 'metadata.name', operator: 'Equals', value: 'x' },
    { field: 'spec.nodeName', operator: 'NotEquals', value: 'y' },
    { field: 'status.phase', operator: 'Equals', value: 'Running' },
  ]);
  assert.deepEqual(parseFieldSelector(''), []);
  assert.deepEqual(parseFieldSelector('spec.nodeName='), [{ field: 'spec.nodeName', operator: 'Equals', value: '' }]);
});

test('escaped commas, equals and backslashes stay in values', () => {
  const value = 'a,b=c\\d';
  assert.equal(escapeFieldValue(value), 'a\\,b\\=c\\\\d');
  assert.equal(unescapeFieldValue(escapeFieldValue(value)), value);
  const reqs = parseFieldSelector(`metadata.name=${escapeFieldValue(value)},type=x`);
  assert.deepEqual(reqs, [
    { field: 'metadata.name', operator: 'Equals', value },
    { field: 'type', operator: 'Equals', value: 'x' },
  ]);
  assert.equal(fieldSelectorToString(reqs), 'metadata.name=a\\,b\\=c\\\\d,type=x');
});

test('syntax errors are BadRequest', () => {
  assert.throws(() => parseFieldSelector('metadata.name'), (e: unknown) => isApiError(e, 'BadRequest') && /can't understand 'metadata.name'/.test(e.message));
  assert.throws(() => parseFieldSelector('a=b\\x'), /invalid escape sequence/);
  assert.throws(() => parseFieldSelector('a=b=c'), /unescaped = in value/);
});

test('matching against flat field values', () => {
  const f = { 'metadata.name': 'web', 'spec.nodeName': '' };
  assert.equal(matchesFields(parseFieldSelector('metadata.name=web'), f), true);
  assert.equal(matchesFields(parseFieldSelector('metadata.name!=web'), f), false);
  assert.equal(matchesFields(parseFieldSelector('spec.nodeName='), f), true, 'unscheduled pods have an empty nodeName');
  assert.equal(matchesFields(parseFieldSelector('spec.nodeName!=,metadata.name=web'), f), false);
  assert.equal(matchesFields([], f), true);
});

test('fieldsOf gives each kind its selectable fields', () => {
  const pod = {
    metadata: { name: 'p', namespace: 'ns' },
    spec: { nodeName: 'n1', restartPolicy: 'Always', schedulerName: 's', serviceAccountName: 'sa', hostNetwork: true },
    status: { phase: 'Running', podIP: '10.0.0.1', nominatedNodeName: 'n2' },
  };
  assert.deepEqual(fieldsOf('pods', pod), {
    'metadata.name': 'p',
    'metadata.namespace': 'ns',
    'spec.nodeName': 'n1',
    'spec.restartPolicy': 'Always',
    'spec.schedulerName': 's',
    'spec.serviceAccountName': 'sa',
    'spec.hostNetwork': 'true',
    'status.phase': 'Running',
    'status.podIP': '10.0.0.1',
    'status.nominatedNodeName': 'n2',
  });
  const ev = fieldsOf('events', {
    metadata: { name: 'e', namespace: 'ns' },
    involvedObject: { kind: 'Pod', namespace: 'ns', name: 'p', uid: 'u', apiVersion: 'v1', resourceVersion: '3', fieldPath: 'spec' },
    reason: 'Started', reportingComponent: 'kubelet', source: { component: 'kubelet' }, type: 'Normal',
  });
  assert.equal(ev['involvedObject.uid'], 'u');
  assert.equal(ev['involvedObject.fieldPath'], 'spec');
  assert.equal(ev.source, 'kubelet');
  assert.equal(ev.type, 'Normal');
  assert.equal(fieldsOf('nodes', { metadata: { name: 'n' }, spec: {} })['spec.unschedulable'], 'false');
  assert.equal(fieldsOf('nodes', { metadata: { name: 'n' }, spec: { unschedulable: true } })['spec.unschedulable'], 'true');
  assert.equal(fieldsOf('secrets', { metadata: {}, type: 'Opaque' }).type, 'Opaque');
  assert.equal(fieldsOf('namespaces', { metadata: {}, status: { phase: 'Active' } })['status.phase'], 'Active');
  assert.equal(fieldsOf('replicasets', { metadata: {}, status: { replicas: 3 } })['status.replicas'], '3');
  assert.equal(fieldsOf('jobs', { metadata: {}, status: {} })['status.successful'], '0');
  assert.deepEqual(fieldsOf('configmaps', { metadata: { name: 'c' } }), { 'metadata.name': 'c', 'metadata.namespace': '' });
});

test('unknown fields are rejected with the fields the kind offers', () => {
  assert.deepEqual(selectableFields('nodes'), ['metadata.name', 'metadata.namespace', 'spec.unschedulable']);
  assert.throws(
    () => parseFieldSelectorFor('nodes', 'spec.foo=x'),
    (e: unknown) =>
      isApiError(e, 'BadRequest') &&
      e.message === '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace", "spec.unschedulable"',
  );
  assert.deepEqual(parseFieldSelectorFor('pods', 'spec.nodeName=n1'), [{ field: 'spec.nodeName', operator: 'Equals', value: 'n1' }]);
});
