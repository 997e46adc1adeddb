// Two simulated machines on a test segment (10.250.0.0/24), each with its own
// pod bridge and subnet: with host-gateway routes from their Node objects a pod
// on one reaches a pod on the other by pod IP (ICMP, TCP, UDP); routes follow
// the Node list, and everything is removed afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { BridgeNetwork } from '../../node-agent/network/bridge-network';
import { HostGatewayRoutes, nodeRoutes } from '../../node-agent/network/node-routes';
import { NetnsLab, httpGet } from './netns-harness';

const nodeObject = (name: string, podCIDR: string, ip: string) => ({
  metadata: { name },
  spec: { podCIDR, podCIDRs: [podCIDR] },
  status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] },
});

test('pods on two nodes reach each other by IP through host-gateway routes', { timeout: 60_000 }, async () => {
  const lab = new NetnsLab();
  try {
    lab.guardHost();
    const segment = lab.segment();
    const machines = [
      { name: 'kap-node-1', ns: lab.machine('1'), ip: '10.250.0.11', podCidr: '10.244.91.0/24' },
      { name: 'kap-node-2', ns: lab.machine('2'), ip: '10.250.0.12', podCidr: '10.244.92.0/24' },
    ];
    const nodes = machines.map((m) => nodeObject(m.name, m.podCidr, m.ip));
    const pods: Array<{ ns: string; ip: string }> = [];
    for (const [i, m] of machines.entries()) {
      lab.wire(segment, m.ns, m.ip);
      const network = new BridgeNetwork({ podCidr: m.podCidr, dataDir: `${lab.dir}/node-${i}`, nodeNetnsPath: m.ns });
      lab.onCleanup(() => network.removeNode());
      const pod = { namespace: 'default', name: `p${i}`, uid: `uid-p${i}-${lab.tag}` };
      const ns = lab.pod(`p${i}`);
      lab.onCleanup(() => network.tearDown(pod));
      pods.push({ ns, ip: (await network.setUp(pod, ns)).ips[0] });
      await new HostGatewayRoutes(m.ns).sync(nodeRoutes(nodes, m.name));
    }
    assert.deepEqual(await new HostGatewayRoutes(machines[0].ns).installed(), [{ podCidr: '10.244.92.0/24', nodeIp: '10.250.0.12' }]);

    const [a, b] = pods;
    assert.match(lab.exec(a.ns, ['busybox', 'ping', '-c', '1', '-W', '2', b.ip]), /1 packets received/);
    const root = `${lab.dir}/www`;
    lab.exec(b.ns, ['sh', '-c', `mkdir -p ${root} && echo across-nodes > ${root}/index.html`]);
    lab.serve(b.ns, ['busybox', 'httpd', '-f', '-p', '8080', '-h', root]);
    assert.equal((await httpGet(lab, a.ns, b.ip, 8080)).trim(), 'across-nodes');

    // UDP, and no NAT between pods: the receiver sees the sender's pod IP.
    const out = `${lab.dir}/udp.out`;
    const server = `require('dgram').createSocket('udp4').on('message', (m, r) => { require('fs').writeFileSync(${JSON.stringify(out)}, m + ' from ' + r.address); process.exit(0); }).bind(9999)`;
    lab.serve(b.ns, [process.execPath, '-e', server]);
    const client = `const s = require('dgram').createSocket('udp4'); s.send('hello-udp', 9999, ${JSON.stringify(b.ip)}, () => s.close())`;
    let received = '';
    for (let i = 0; i < 50 && !received; i++) {
      lab.exec(a.ns, [process.execPath, '-e', client]);
      await new Promise((r) => setTimeout(r, 100));
      received = existsSync(out) ? readFileSync(out, 'utf8') : '';
    }
    assert.equal(received, `hello-udp from ${a.ip}`);

    // Node 2 leaves: node 1's route to its subnet goes, traffic to it dies on node 1.
    await new HostGatewayRoutes(machines[0].ns).sync(nodeRoutes([nodes[0]], machines[0].name));
    assert.deepEqual(await new HostGatewayRoutes(machines[0].ns).installed(), []);
    assert.throws(() => lab.exec(a.ns, ['busybox', 'ping', '-c', '1', '-W', '1', b.ip]));
  } finally {
    await lab.cleanup();
  }
});
