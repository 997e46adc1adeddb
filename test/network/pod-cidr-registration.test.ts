// Registration through the node gRPC endpoint hands each node its own pod
// subnet, keeps it on re-registration, and reuses a deleted node's subnet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensurePki } from '../../apiserver/pki';
import { startNodeGrpcServer } from '../../apiserver/grpc';
import { podCidrAllocator } from '../../apiserver/registry/allocators/cluster-allocators';
import { NodeClient } from '../../client/node-client';
import { startTestApiServer } from '../harness/api-server';
import { machine } from '../grpc/node-grpc-testbed';

test('registering nodes get distinct /24s on Node.spec.podCIDR(s), kept across re-registration', { timeout: 60_000 }, async () => {
  const api = await startTestApiServer();
  const clients: NodeClient[] = [];
  let grpcServer: Awaited<ReturnType<typeof startNodeGrpcServer>> | undefined;
  try {
    const pki = await ensurePki(api.dataDir, { sans: ['127.0.0.1', 'localhost'] });
    grpcServer = await startNodeGrpcServer({
      registry: api.server.registry,
      host: '127.0.0.1',
      port: 0,
      tls: { certPem: pki.certPem, keyPem: pki.keyPem, clientCaPem: pki.clientCaPem, caPem: pki.caPem },
      nodeTokenSecret: pki.nodeTokenSecret,
      clientCa: pki.clientCa!,
      podCidrs: podCidrAllocator(api.server.backend, '10.244.0.0/23'),
    });
    const register = async (name: string) => {
      const c = await NodeClient.connect({ server: `https://127.0.0.1:${grpcServer!.port}`, token: pki.nodeToken, nodeName: name });
      clients.push(c);
      return c.register(machine(name));
    };
    const nodes = api.server.registry.storeFor('', 'v1', 'nodes');

    const one = await register('kap-one');
    const two = await register('kap-two');
    assert.match(one.podCidr, /^10\.244\.[01]\.0\/24$/);
    assert.match(two.podCidr, /^10\.244\.[01]\.0\/24$/);
    assert.notEqual(one.podCidr, two.podCidr);
    assert.deepEqual(one.podCidrs, [one.podCidr]);
    const stored = (await nodes.get(undefined, 'kap-one')).spec as { podCIDR: string; podCIDRs: string[] };
    assert.deepEqual(stored, { podCIDR: one.podCidr, podCIDRs: [one.podCidr] });
    assert.equal((await register('kap-one')).podCidr, one.podCidr);

    // The range holds two: a third node gets one only after a node is deleted.
    await assert.rejects(register('kap-three'), /no free pod subnet left/);
    await nodes.delete(undefined, 'kap-one');
    assert.equal((await register('kap-three')).podCidr, one.podCidr);
  } finally {
    for (const c of clients) c.close();
    try {
      await grpcServer?.stop();
    } finally {
      await api.stop();
    }
  }
});
