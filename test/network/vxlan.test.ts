// `--pod-network vxlan` for nodes that share only L3: two test segments
// (10.250.0.0/25 and 10.250.0.128/25) joined by a router machine that knows
// nothing of pod addresses, a node on each side. Pods on the two nodes reach
// each other (TCP, with a transfer far larger than one packet, so the pods'
// MTU leaves room for the VXLAN headers), a ClusterIP and a NodePort reach an
// endpoint on the other side, and the router only ever forwards the nodes'
// own packets (its forwarding would fail for a pod address).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsCluster, type Machine } from '../harness/netns-cluster';
import { request } from '../harness/http';
import { VXLAN_DEVICE, vtepMac } from '../../node-agent/network/vxlan-routes';
import { create, eventually, inNetns, startNetworkCluster, startPod } from './network-cluster';

const get = (host: string, port: number, path = '/index.html') =>
  `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 3 ${host} ${port} | sed '1,/^\\r$/d'`;

/** Two /25 segments and a router between them; machines get a route to the other half via the router. */
function routedSegments(cluster: NetnsCluster): { router: string; attach(side: 0 | 1, name: string, ip: string): Machine } {
  const lab = cluster.lab;
  const switches = ['swa', 'swb'].map((name) => {
    const ns = lab.machine(name);
    lab.exec(ns, ['ip', 'link', 'add', 'kapsw', 'type', 'bridge']);
    lab.exec(ns, ['ip', 'link', 'set', 'kapsw', 'up']);
    return ns;
  });
  const plug = (side: 0 | 1, ns: string, ip: string, ifname: string) => {
    const port = `kaps${ip.split('.')[3]}`;
    lab.exec(switches[side], ['ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', ifname, 'netns', ns]);
    lab.exec(switches[side], ['ip', 'link', 'set', port, 'master', 'kapsw', 'up']);
    lab.exec(ns, ['ip', 'addr', 'add', `${ip}/25`, 'dev', ifname]);
    lab.exec(ns, ['ip', 'link', 'set', ifname, 'up']);
  };
  const router = lab.machine('r');
  plug(0, router, '10.250.0.1', 'kapeth0');
  plug(1, router, '10.250.0.129', 'kapeth1');
  lab.exec(router, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  return {
    router,
    attach(side, name, ip) {
      const ns = lab.machine(name);
      plug(side, ns, ip, 'kapeth0');
      lab.exec(ns, ['ip', 'route', 'add', side === 0 ? '10.250.0.128/25' : '10.250.0.0/25', 'via', side === 0 ? '10.250.0.1' : '10.250.0.129']);
      return { name, ns, ip };
    },
  };
}

test('vxlan: pods on nodes in two routed segments reach each other, their Services and NodePorts', { timeout: 600_000 }, async () => {
  const cluster = new NetnsCluster();
  try {
    const segments = routedSegments(cluster);
    const server = segments.attach(0, 's', '10.250.0.10');
    const nodes = [segments.attach(0, 'n1', '10.250.0.11'), segments.attach(1, 'n2', '10.250.0.139')];
    const net = await startNetworkCluster(cluster, 2, { machines: { server, nodes }, agentArgs: ['--pod-network', 'vxlan'] });
    const [n1, n2] = net.nodes;

    // n1's route to n2's pods goes through the overlay, to n2's VTEP.
    const routes = await eventually('the overlay route', async () => {
      const out = await inNetns(n1.machine.ns, ['ip', 'route', 'show', 'proto', '77']);
      return out.includes(VXLAN_DEVICE) ? out : undefined;
    });
    assert.match(routes, new RegExp(`^10\\.244\\.\\d+\\.0/24 via 10\\.244\\.\\d+\\.0 dev ${VXLAN_DEVICE} onlink`, 'm'));
    assert.match(await inNetns(n1.machine.ns, ['bridge', 'fdb', 'show', 'dev', VXLAN_DEVICE]), new RegExp(`${vtepMac(n2.machine.ip)} dst ${n2.machine.ip.replace(/\./g, '\\.')}`));

    await create(net.api, '/api/v1/namespaces/default/services', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'kap-far' },
      spec: { type: 'NodePort', selector: { app: 'kap-far' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const web = await startPod(net, n2, 'kap-far', 'mkdir /www && hostname > /www/index.html && head -c 300000 /dev/urandom > /www/big && exec httpd -f -p 8080 -h /www', { app: 'kap-far' });
    const probe = await startPod(net, n1, 'kap-near', 'sleep 3600');
    assert.match(await inNetns(probe.netns, ['ip', 'link', 'show', 'eth0']), /mtu 1450/, 'pods leave room for the VXLAN headers');

    // The router has no route to pods: without the overlay nothing would pass.
    assert.doesNotMatch(await inNetns(segments.router, ['ip', 'route', 'show']), /10\.244\./);
    assert.equal(await eventually('TCP across the overlay', async () => (await inNetns(probe.netns, ['sh', '-c', get(web.ip, 8080)])).trim() || undefined), 'kap-far');
    const big = await inNetns(probe.netns, ['sh', '-c', `${get(web.ip, 8080, '/big')} | wc -c`], 30_000);
    assert.equal(Number(big.trim()), 300000, 'a transfer of many full-size packets arrives whole');

    // The ClusterIP from node 1's pod, and the NodePort on node 1 from the server machine: endpoint on node 2.
    const svc = (await request(net.api, 'GET', '/api/v1/namespaces/default/services/kap-far')).body;
    assert.equal(await eventually('the ClusterIP', async () => (await inNetns(probe.netns, ['sh', '-c', get(svc.spec.clusterIP, 80)])).trim() || undefined), 'kap-far');
    const nodePort = svc.spec.ports[0].nodePort;
    assert.equal(await eventually('the NodePort on node 1', async () => (await inNetns(server.ns, ['sh', '-c', get(n1.machine.ip, nodePort)])).trim() || undefined), 'kap-far');
  } catch (err) {
    throw new Error(`${(err as Error).stack}\n${cluster.logs()}`);
  } finally {
    await cluster.cleanup();
  }
});
