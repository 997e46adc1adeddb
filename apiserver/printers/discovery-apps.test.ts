// EndpointSlice and ControllerRevision cells as kubectl prints them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types';
import { controllerRevisionPrinter } from './controllerrevision';
import { endpointSlicePrinter, formatSliceEndpoints, formatSlicePorts } from './endpointslice';

const now = new Date('2026-01-01T00:10:00Z');
const meta = { name: 'x', creationTimestamp: '2026-01-01T00:00:00Z' };

test('EndpointSlice: NAME ADDRESSTYPE PORTS ENDPOINTS AGE, three then "+ N more...", <unset> when empty', () => {
  assert.deepEqual(endpointSlicePrinter.columns.map((c) => c.name), ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
  const slice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta, addressType: 'IPv4', ports: [{ port: 80 }], endpoints: [{ addresses: ['10.244.0.1'] }] } as KubeObject;
  assert.deepEqual(endpointSlicePrinter.row(slice, now), ['x', 'IPv4', '80', '10.244.0.1', '10m']);
  const four = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((a) => ({ addresses: [a] }));
  assert.equal(formatSliceEndpoints(four), '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...');
  assert.equal(formatSliceEndpoints([]), '<unset>');
  assert.equal(formatSlicePorts([]), '<unset>');
  assert.equal(formatSlicePorts([{ name: 'http' }, { port: 53 }, {}, { port: 1 }, { port: 2 }]), 'http,53,* + 2 more...');
});

test('ControllerRevision: NAME CONTROLLER REVISION AGE, the controller as kind.group/name', () => {
  assert.deepEqual(controllerRevisionPrinter.columns.map((c) => c.name), ['Name', 'Controller', 'Revision', 'Age']);
  const owned = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { ...meta, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u', controller: true }] }, revision: 3 } as KubeObject;
  assert.deepEqual(controllerRevisionPrinter.row(owned, now), ['x', 'daemonset.apps/agent', 3, '10m']);
  const orphan = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta, revision: 1 } as KubeObject;
  assert.equal(controllerRevisionPrinter.row(orphan, now)[1], '<none>');
});
