// Deleting and recreating 50 pods on a node leaks nothing of the network:
// after each round of deletion the node has no pod veth, no allocated
// address and no pod network namespace left, and every pod of the next round
// gets a distinct address again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NetnsCluster } from '../harness/netns-cluster';
import { mountsUnder } from '../harness/cleanup';
import { request } from '../harness/http';
import { create, eventually, inNetns, startNetworkCluster } from './network-cluster';

const PODS = 50;

test('deleting and recreating 50 pods leaks no veth, address or namespace', { timeout: 600_000 }, async () => {
  const cluster = new NetnsCluster();
  try {
    const net = await startNetworkCluster(cluster, 1);
    const [node] = net.nodes;
    const podLinks = async () => (await inNetns(node.machine.ns, ['ip', '-o', 'link', 'show'])).split('\n').filter((l) => /^\d+: kapv/.test(l));
    const allocated = () => readdirSync(join(node.agent.dataDir, 'network', 'ips')).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
    const listPods = async () => (await request(net.api, 'GET', '/api/v1/namespaces/default/pods')).body.items as Array<{ metadata: { name: string }; status?: { phase?: string; podIP?: string } }>;

    for (let round = 1; round <= 2; round++) {
      for (let i = 0; i < PODS; i++) {
        await create(net.api, '/api/v1/namespaces/default/pods', {
          apiVersion: 'v1', kind: 'Pod', metadata: { name: `kap-churn-${i}` },
          spec: { nodeName: node.name, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox:1.35', command: ['sleep', '3600'] }] },
        });
      }
      const running = await eventually(`round ${round}: ${PODS} pods running`, async () => {
        const pods = await listPods();
        return pods.filter((p) => p.status?.phase === 'Running' && p.status.podIP).length === PODS ? pods : undefined;
      }, 240_000);
      const ips = new Set(running.map((p) => p.status!.podIP));
      assert.equal(ips.size, PODS, 'every pod has its own address');
      assert.equal((await podLinks()).length, PODS);
      assert.equal(allocated().length, PODS);

      for (let i = 0; i < PODS; i++) await request(net.api, 'DELETE', `/api/v1/namespaces/default/pods/kap-churn-${i}`);
      await eventually(`round ${round}: every pod gone`, async () => (await listPods()).length === 0, 240_000);
      await eventually(`round ${round}: no pod veth left`, async () => (await podLinks()).length === 0);
      assert.deepEqual(allocated(), [], 'every address is free');
      assert.deepEqual(mountsUnder(join(node.agent.dataDir, 'pods')), [], 'no pod namespace (or rootfs) is still mounted');
    }
  } catch (err) {
    throw new Error(`${(err as Error).stack}\n${cluster.logs()}`);
  } finally {
    await cluster.cleanup();
  }
});
