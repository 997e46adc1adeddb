import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApiServer } from '../harness/api-server';

test('Services created through the registry get ClusterIPs and NodePorts; taken ones are refused; deletion frees them', { timeout: 60_000 }, async () => {
  const api = await startTestApiServer();
  try {
    const svcs = api.server.registry.storeFor('', 'v1', 'services');
    const mk = (name: string, spec: object) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } });
    const a = (await svcs.create('default', mk('a', { type: 'NodePort' }))).object;
    const spec = a.spec as { clusterIP: string; ports: Array<{ nodePort: number }> };
    assert.match(spec.clusterIP, /^10\.96\./);
    assert.ok(spec.ports[0].nodePort >= 30000);
    await assert.rejects(svcs.create('default', mk('b', { clusterIP: spec.clusterIP })), (e: { code: string }) => e.code === 'Invalid');
    await svcs.delete('default', 'a');
    const b = (await svcs.create('default', mk('b', { clusterIP: spec.clusterIP }))).object;
    assert.equal((b.spec as { clusterIP: string }).clusterIP, spec.clusterIP);
  } finally {
    await api.stop();
  }
});
