// The agent keeps running its pods while the server is unreachable, and
// catches up when it returns: the server's machine is cut off the test
// segment (packets just stop, as with a pulled cable); the pod keeps serving
// on its node without a restart (12 s: longer than a heartbeat period); once
// the server is back, the agent runs a pod created then and reports both as
// Running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsCluster } from '../harness/netns-cluster';
import { request } from '../harness/http';
import { create, eventually, inNetns, startNetworkCluster, startPod } from '../network/network-cluster';

const WEB = 'mkdir /www && echo steady > /www/index.html && exec httpd -f -p 8080 -h /www';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('pods keep running while the server is unreachable; the agent catches up when it returns', { timeout: 300_000 }, async () => {
  const cluster = new NetnsCluster();
  try {
    const net = await startNetworkCluster(cluster, 1);
    const [node] = net.nodes;
    const pod = await startPod(net, node, 'kap-steady', WEB);
    // The node's own machine asks its pod (busybox nc from the host's busybox-static, inside the node's netns).
    const page = () => inNetns(node.machine.ns, ['sh', '-c', `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 2 ${pod.ip} 8080 | tail -n 1`]).then((s) => s.trim(), () => '');
    assert.equal(await eventually('the pod to serve', async () => (await page()) === 'steady' && 'steady'), 'steady');

    cluster.setConnected(net.serverMachine, false);
    try {
      for (let i = 0; i < 6; i++) {
        await sleep(2000);
        assert.equal(await page(), 'steady', `the pod serves ${2 * (i + 1)} s into the outage`);
      }
      assert.equal(node.agent.done, false, 'the agent keeps running without its server');
    } finally {
      cluster.setConnected(net.serverMachine, true);
    }

    await create(net.api, '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kap-after' },
      spec: { nodeName: node.name, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox:1.35', command: ['sleep', '3600'] }] },
    });
    const statusOf = async (name: string) => (await request(net.api, 'GET', `/api/v1/namespaces/default/pods/${name}`)).body.status;
    await eventually('the pod created after the outage to run', async () => (await statusOf('kap-after'))?.phase === 'Running', 120_000);
    const steady = await statusOf('kap-steady');
    assert.equal(steady.phase, 'Running');
    assert.equal(steady.containerStatuses[0].restartCount, 0, 'the container was never restarted');
    await cluster.waitNodeReady(net.api, node.name);
  } catch (err) {
    throw new Error(`${(err as Error).stack}\n${cluster.logs()}`);
  } finally {
    await cluster.cleanup();
  }
});
