// A node that stops heartbeating loses its pods to the other node: two agents
// run a Deployment; the agent (and its machine's heartbeats) of one node is
// killed; the node lifecycle controller marks it Unknown after the grace
// period, taints it unreachable, evicts its pods once their toleration runs
// out, and the ReplicaSet recreates them on the node that is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsCluster } from '../harness/netns-cluster';
import { request } from '../harness/http';
import { create, eventually, startNetworkCluster } from '../network/network-cluster';

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: { phase?: string };
}

test('pods of a node that stops heartbeating are recreated on the other node', { timeout: 300_000 }, async () => {
  const cluster = new NetnsCluster();
  try {
    // The agents renew their Lease every 10 s; 15 s of silence makes a node Unknown.
    const net = await startNetworkCluster(cluster, 2, { serverArgs: ['--node-monitor-grace-period', '15s'] });
    const toleration = (key: string) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 });
    await create(net.api, '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'kap-survivor' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'kap-survivor' } },
        template: {
          metadata: { labels: { app: 'kap-survivor' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            tolerations: [toleration('node.kubernetes.io/unreachable'), toleration('node.kubernetes.io/not-ready')],
            containers: [{ name: 'main', image: 'busybox:1.35', command: ['sleep', '3600'] }],
          },
        },
      },
    });
    const pods = async (): Promise<Pod[]> => (await request(net.api, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dkap-survivor')).body.items;
    const live = async () => (await pods()).filter((p) => !p.metadata.deletionTimestamp);
    const running = await eventually('3 running pods', async () => {
      const all = await live();
      return all.length === 3 && all.every((p) => p.status?.phase === 'Running') && all;
    }, 90_000);

    // Kill the agent of a node that runs at least one of them.
    const victimName = running[0].spec.nodeName!;
    const victim = net.nodes.find((n) => n.name === victimName)!;
    const survivor = net.nodes.find((n) => n.name !== victimName)!;
    await victim.agent.kill();

    const node = await eventually('the silent node turns Unknown and tainted unreachable', async () => {
      const n = (await request(net.api, 'GET', `/api/v1/nodes/${victimName}`)).body;
      const ready = n.status?.conditions?.find((c: { type: string }) => c.type === 'Ready');
      const tainted = (n.spec?.taints ?? []).some((t: { key: string; effect: string }) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute');
      return ready?.status === 'Unknown' && tainted && n;
    }, 60_000);
    assert.ok(node);

    const moved = await eventually(`3 running pods, all on ${survivor.name}`, async () => {
      const all = await live();
      return all.length === 3 && all.every((p) => p.spec.nodeName === survivor.name && p.status?.phase === 'Running') && all;
    }, 90_000);
    assert.equal(moved.length, 3);
    const names = new Set(moved.map((p) => p.metadata.name));
    assert.ok(running.filter((p) => p.spec.nodeName === victimName).every((p) => !names.has(p.metadata.name)), 'the evicted pods were replaced by new ones');
  } catch (err) {
    throw new Error(`${(err as Error).stack}\n${cluster.logs()}`);
  } finally {
    await cluster.cleanup();
  }
});
