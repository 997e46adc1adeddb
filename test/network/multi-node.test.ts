// Pod networking across a 3-node cluster of simulated machines (test segment
// 10.250.0.0/24): `kapstan server` on one machine, `kapstan agent` on three.
// A pod on node 1 reaches pods on nodes 2 and 3 by pod IP (TCP, and UDP with
// its own address as the source: no NAT between pods); in its container it
// resolves a Service by full name and by short name (search path) and gets
// pages from every ready endpoint through the ClusterIP; a NodePort answers on
// every node's address from a machine that is not a node, a hostPort on its
// node's; a pod that is not
// ready gets none of it; and teardown leaves no namespace, mount or process
// behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { NetnsCluster } from '../harness/netns-cluster';
import { mountsUnder, processesMentioning } from '../harness/cleanup';
import { HostGatewayRoutes } from '../../node-agent/network/node-routes';
import { request } from '../harness/http';
import { create, eventually, inNetns, podLog, startNetworkCluster, startPod } from './network-cluster';

const WEB = 'mkdir /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www';
// An HTTP GET with busybox nc (its `wget -qO-` crashes in Debian's static build), printing the body.
const get = (host: string, port: number) => `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 2 ${host} ${port} | tail -n 1`;
// The client container asks by full name and by short name (search path) twice a second.
const CLIENT = [
  'while true; do',
  `  echo "fqdn:$(${get('kap-web.default.svc.cluster.local', 80)})"`,
  `  echo "short:$(${get('kap-web', 80)})"`,
  '  sleep 0.5',
  'done',
].join('\n');

test('3 nodes: pod-to-pod across nodes, Service by DNS name, NodePort on every node', { timeout: 600_000 }, async () => {
  const cluster = new NetnsCluster();
  const tag = cluster.lab.tag;
  const dir = cluster.dir;
  try {
    const net = await startNetworkCluster(cluster, 3);
    const [n1, n2, n3] = net.nodes;

    // Each node has a route to the other two nodes' pod subnets, via their addresses.
    const routes = await eventually('routes to both other nodes', async () => {
      const r = await new HostGatewayRoutes(n1.machine.ns).installed();
      return r.length === 2 ? r : undefined;
    });
    assert.deepEqual(routes.map((r) => r.nodeIp).sort(), [n2.machine.ip, n3.machine.ip]);

    await create(net.api, '/api/v1/namespaces/default/services', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'kap-web' },
      spec: { type: 'NodePort', selector: { app: 'kap-web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    const web2 = await startPod(net, n2, 'kap-web-2', WEB, { app: 'kap-web' });
    const web3 = await startPod(net, n3, 'kap-web-3', WEB, { app: 'kap-web' });
    const probe = await startPod(net, n1, 'kap-probe', 'sleep 3600');
    // A third backend that never passes its readiness probe: listed as not ready, never sent traffic.
    await create(net.api, '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kap-web-1', labels: { app: 'kap-web' } },
      spec: {
        nodeName: n1.name, terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: 'busybox:1.35', command: ['sh', '-c', WEB], readinessProbe: { exec: { command: ['false'] }, periodSeconds: 1 } }],
      },
    });
    await eventually('the unready backend listed as not ready', async () => {
      const ep = (await request(net.api, 'GET', '/api/v1/namespaces/default/endpoints/kap-web')).body;
      const notReady = (ep?.subsets ?? []).flatMap((s: { notReadyAddresses?: Array<{ targetRef?: { name: string } }> }) => s.notReadyAddresses ?? []);
      return notReady.some((a: { targetRef?: { name: string } }) => a.targetRef?.name === 'kap-web-1');
    });
    assert.notEqual(web2.ip.split('.')[2], probe.ip.split('.')[2], 'the pods are on different subnets');

    // TCP by pod IP, from node 1's pod to both other nodes' pods.
    for (const web of [web2, web3]) {
      const page = await eventually(`TCP to ${web.name}`, async () => {
        const out = await inNetns(probe.netns, ['sh', '-c', get(web.ip, 8080)]);
        return out.trim() || undefined;
      });
      assert.equal(page, web.name);
    }

    // UDP by pod IP; the receiver sees the sender's own pod IP.
    const out = `${dir}/udp.out`;
    const receiver = `require('dgram').createSocket('udp4').on('message', (m, r) => { require('fs').writeFileSync(${JSON.stringify(out)}, m + ' from ' + r.address); process.exit(0); }).bind(9999)`;
    cluster.lab.serve(web3.netns, [process.execPath, '-e', receiver]);
    const sender = `const s = require('dgram').createSocket('udp4'); s.send('hello-udp', 9999, ${JSON.stringify(web3.ip)}, () => s.close())`;
    const received = await eventually('a UDP datagram across nodes', async () => {
      await inNetns(probe.netns, [process.execPath, '-e', sender]);
      await new Promise((r) => setTimeout(r, 100));
      return existsSync(out) ? readFileSync(out, 'utf8') : undefined;
    });
    assert.equal(received, `hello-udp from ${probe.ip}`);

    // Inside a container: the Service by full and short name, answered by both endpoints over time.
    const client = await startPod(net, n1, 'kap-client', CLIENT);
    const resolvConf = await inNetns(client.netns, ['cat', `${n1.agent.dataDir}/pods/${client.uid}/etc/resolv.conf`]).catch(() => '');
    const answers = await eventually('pages from both ready endpoints by both names, 20 answers or more', async () => {
      const lines = (await podLog(net, 'kap-client')).split('\n').filter((l) => /^(fqdn|short):kap-web-\d$/.test(l));
      const seen = new Set(lines);
      const all = ['fqdn:kap-web-2', 'fqdn:kap-web-3', 'short:kap-web-2', 'short:kap-web-3'].every((s) => seen.has(s));
      return all && lines.length >= 20 ? seen : undefined;
    }, 90_000).catch(async (err) => {
      throw new Error(`${(err as Error).message}\nclient log:\n${(await podLog(net, 'kap-client')).slice(-1500)}\n${resolvConf}`);
    });
    assert.deepEqual([...answers].sort(), ['fqdn:kap-web-2', 'fqdn:kap-web-3', 'short:kap-web-2', 'short:kap-web-3'], 'the unready kap-web-1 answered none');

    // NodePort: on every node's address, from the server machine (not a node).
    const svc = (await request(net.api, 'GET', '/api/v1/namespaces/default/services/kap-web')).body;
    const nodePort: number = svc.spec.ports[0].nodePort;
    assert.ok(nodePort >= 30000 && nodePort <= 32767);
    for (const node of net.nodes) {
      const page = await eventually(`NodePort on ${node.machine.ip}`, async () => {
        const body = await inNetns(net.serverMachine.ns, ['sh', '-c', get(node.machine.ip, nodePort)]);
        return body.trim() || undefined;
      });
      assert.match(page, /^kap-web-[23]$/, 'only ready backends answer');
    }

    // hostPort: the node's address and port reach the pod, from another machine.
    await create(net.api, '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kap-hostport' },
      spec: {
        nodeName: n3.name, terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: 'busybox:1.35', command: ['sh', '-c', WEB], ports: [{ containerPort: 8080, hostPort: 18080 }] }],
      },
    });
    const viaHostPort = await eventually('the hostPort on node 3', async () => (await inNetns(net.serverMachine.ns, ['sh', '-c', get(n3.machine.ip, 18080)])).trim() || undefined, 60_000);
    assert.equal(viaHostPort, 'kap-hostport');
  } catch (err) {
    throw new Error(`${(err as Error).stack}\n${cluster.logs()}`);
  } finally {
    await cluster.cleanup();
  }
  // Nothing left: no namespace of this lab, no mount or process under its directory, no pod cgroup.
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  assert.ok(!namespaces.includes(tag), namespaces);
  assert.deepEqual(mountsUnder(dir), []);
  assert.deepEqual(processesMentioning(dir), []);
  assert.equal(existsSync(dir), false);
});
