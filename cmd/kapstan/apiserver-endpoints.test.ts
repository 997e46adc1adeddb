import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subsetsFromLeases } from './apiserver-endpoints';
import { kubernetesEndpoints } from './agent-servers';

const lease = (holder: string, renewedAgoMs: number, now: number) => ({
  spec: { holderIdentity: holder, leaseDurationSeconds: 30, renewTime: new Date(now - renewedAgoMs).toISOString() },
});

test('the kubernetes Endpoints hold the servers whose Leases are unexpired, one subset per port', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const subsets = subsetsFromLeases([
    lease('10.0.0.12:6443', 1_000, now),
    lease('10.0.0.11:6443', 29_000, now),
    lease('10.0.0.13:6443', 31_000, now), // expired: a lost server leaves the Endpoints
    lease('10.0.0.14:7443', 0, now),
    lease('garbage', 0, now),
  ], now);
  assert.deepEqual(subsets, [
    { addresses: [{ ip: '10.0.0.11' }, { ip: '10.0.0.12' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] },
    { addresses: [{ ip: '10.0.0.14' }], ports: [{ name: 'https', port: 7443, protocol: 'TCP' }] },
  ]);
});

test('agents read the servers\' node endpoints (API port + 1) from the kubernetes Endpoints', () => {
  const endpoints = [
    { metadata: { namespace: 'default', name: 'web' }, subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 80 }] }] },
    { metadata: { namespace: 'default', name: 'kubernetes' }, subsets: [{ addresses: [{ ip: '10.0.0.11' }, { ip: 'fd00::2' }], ports: [{ name: 'https', port: 6443 }] }] },
  ];
  assert.deepEqual(kubernetesEndpoints(endpoints), ['10.0.0.11:6444', '[fd00::2]:6444']);
  assert.deepEqual(kubernetesEndpoints(endpoints, '7000'), ['10.0.0.11:7000', '[fd00::2]:7000']);
  assert.equal(kubernetesEndpoints(endpoints.slice(0, 1)), undefined);
});
