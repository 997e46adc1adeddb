// Cluster DNS as `kapstan agent` runs it: on a one-node cluster in simulated
// machines, a pod's network namespace reaches the DNS server at the cluster
// DNS address (10.96.0.10) through its gateway; names follow Services as they
// are created and deleted; the server's kube-dns Service names that address;
// outside names get a quick SERVFAIL (the node's only
// upstream does not answer); and the agent's shutdown stops the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsCluster } from '../harness/netns-cluster';
import { request } from '../harness/http';
import { create, eventually, inNetns, startNetworkCluster, startPod } from '../network/network-cluster';

const nslookup = (netns: string, name: string) =>
  inNetns(netns, ['busybox', 'nslookup', '-timeout=3', name, '10.96.0.10']).catch((err: { stdout?: string; message: string }) => `${err.stdout ?? ''}\nfailed: ${err.message}`);

test('kapstan agent serves cluster DNS to its pods from the Services stream', { timeout: 300_000 }, async () => {
  const cluster = new NetnsCluster();
  try {
    const net = await startNetworkCluster(cluster, 1);
    const [node] = net.nodes;
    assert.match(node.agent.log(), /cluster DNS on 10\.96\.0\.10:53 for cluster\.local \(upstreams: 10\.250\.0\.10\)/);
    const pod = await startPod(net, node, 'kap-dns-client', 'sleep 3600');

    const svc = await create(net.api, '/api/v1/namespaces/default/services', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'kap-web' },
      spec: { selector: { app: 'kap-web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    const clusterIP: string = svc.spec.clusterIP;
    assert.match(clusterIP, /^10\.96\./);
    const answer = await eventually('the Service name resolves', async () => {
      const out = await nslookup(pod.netns, 'kap-web.default.svc.cluster.local');
      return out.includes(clusterIP) ? out : undefined;
    });
    assert.match(answer, new RegExp(`Address: ${clusterIP.replace(/\./g, '\\.')}`));

    // The server's kube-dns Service reserves the address the agents serve; its name resolves to it,
    // and having no endpoints, it takes no traffic from the node's own server.
    const kubeDns = (await request(net.api, 'GET', '/api/v1/namespaces/kube-system/services/kube-dns')).body;
    assert.equal(kubeDns.spec.clusterIP, '10.96.0.10');
    assert.match(await nslookup(pod.netns, 'kube-dns.kube-system.svc.cluster.local'), /Name:\s+kube-dns\.kube-system\.svc\.cluster\.local\nAddress: 10\.96\.0\.10$/m);

    // A name in the zone that no Service has: NXDOMAIN, not a forward.
    assert.match(await nslookup(pod.netns, 'nosuch.default.svc.cluster.local'), /NXDOMAIN/);
    // A name outside the zone: forwarded to the node's upstream, which does not answer: SERVFAIL, quickly.
    const started = Date.now();
    assert.match(await nslookup(pod.netns, 'example.org'), /SERVFAIL/);
    assert.ok(Date.now() - started < 3000, 'a dead upstream gives SERVFAIL before the client times out');

    // The Service goes: so does its name.
    assert.equal((await request(net.api, 'DELETE', '/api/v1/namespaces/default/services/kap-web')).status, 200);
    await eventually('the deleted Service stops resolving', async () => /NXDOMAIN/.test(await nslookup(pod.netns, 'kap-web.default.svc.cluster.local')));

    // Agent shutdown stops the server (the address stays for the next agent).
    await node.agent.stop();
    assert.match(await nslookup(pod.netns, 'kap-web.default.svc.cluster.local'), /failed|timed out|no servers/i);
  } catch (err) {
    throw new Error(`${(err as Error).stack}\n${cluster.logs()}`);
  } finally {
    await cluster.cleanup();
  }
});
