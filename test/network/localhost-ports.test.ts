// Published ports on 127.0.0.1, as Docker Compose users expect: inside a
// simulated node (its own loopback, never the host's), a hostPort and a
// NodePort answer on 127.0.0.1 and on the node's own address, the pod sees a
// masqueraded (non-loopback) client; a hostPort bound to another address does
// not answer on loopback; packets from the wire with a loopback source or
// destination are dropped; removeNode puts route_localnet back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BridgeNetwork } from '../../node-agent/network/bridge-network';
import { ServiceProxy } from '../../node-agent/network/service-proxy';
import { NetnsLab } from './netns-harness';
import { ask, askUntil } from './tcp-ask';

const routeLocalnet = (lab: NetnsLab, ns: string) => lab.exec(ns, ['sysctl', '-n', 'net.ipv4.conf.all.route_localnet']).trim();

test('hostPort and NodePort answer on 127.0.0.1 of the node; loopback-addressed packets from the wire are dropped; route_localnet restored', { timeout: 90_000 }, async () => {
  const lab = new NetnsLab();
  try {
    lab.guardHost();
    const segment = lab.segment();
    const node = lab.machine('node');
    const client = lab.machine('client');
    lab.wire(segment, node, '10.250.0.21');
    lab.wire(segment, client, '10.250.0.22');
    assert.equal(routeLocalnet(lab, node), '0', 'a fresh namespace starts without route_localnet');

    const network = new BridgeNetwork({ podCidr: '10.244.73.0/24', dataDir: lab.dir, nodeNetnsPath: node });
    lab.onCleanup(() => network.removeNode());
    const proxy = new ServiceProxy({ nodeNetnsPath: node });
    lab.onCleanup(() => proxy.remove());

    const web = { namespace: 'default', name: 'web', uid: `uid-lweb-${lab.tag}` };
    const ns = lab.pod('lweb');
    lab.onCleanup(() => network.tearDown(web));
    const [ip] = (await network.setUp(web, ns, {
      portMappings: [
        { hostPort: 8080, containerPort: 80, protocol: 'TCP' },
        { hostPort: 8081, containerPort: 80, protocol: 'TCP', hostIP: '127.0.0.1' },
        { hostPort: 8082, containerPort: 80, protocol: 'TCP', hostIP: '10.250.0.21' },
      ],
    })).ips;
    lab.serve(ns, [process.execPath, '-e', "require('net').createServer((c) => c.end(c.remoteAddress + '\\n')).listen(80, '0.0.0.0')"]);
    assert.equal(routeLocalnet(lab, node), '1');

    // hostPort from the node itself: loopback (masqueraded, the pod cannot answer 127.0.0.1) and its own address.
    const viaLoopback = await askUntil(lab, node, '127.0.0.1', 8080);
    assert.ok(viaLoopback && !viaLoopback.startsWith('127.'), `127.0.0.1:8080 reaches the pod, seen masqueraded (saw ${viaLoopback})`);
    assert.equal(ask(lab, node, '10.250.0.21', 8080), '10.250.0.21', 'the node address from the node itself, unmasqueraded');
    assert.ok(ask(lab, node, '127.0.0.1', 8081), 'hostIP 127.0.0.1 answers on loopback');
    assert.equal(ask(lab, node, '127.0.0.1', 8082), '', 'a hostIP of another address does not answer on loopback');
    assert.equal(ask(lab, node, '10.250.0.21', 8082), '10.250.0.21', '... but on that address');
    assert.equal(ask(lab, client, '10.250.0.21', 8081), '', 'hostIP 127.0.0.1 is not published to other machines');
    assert.equal(ask(lab, client, '10.250.0.21', 8080), '10.250.0.22', 'other machines still see their own address');

    // NodePort from the node itself.
    const service = { metadata: { namespace: 'default', name: 'web' }, spec: { type: 'NodePort', clusterIP: '10.96.7.10', ports: [{ name: 'http', port: 80, nodePort: 30081 }] } };
    const endpoints = [{ metadata: { namespace: 'default', name: 'web' }, subsets: [{ addresses: [{ ip }], ports: [{ name: 'http', port: 80 }] }] }];
    await proxy.sync([service], endpoints);
    const nodePortLoopback = await askUntil(lab, node, '127.0.0.1', 30081);
    assert.ok(nodePortLoopback && !nodePortLoopback.startsWith('127.'), `127.0.0.1:30081 reaches the pod (saw ${nodePortLoopback})`);
    assert.ok(ask(lab, node, '10.250.0.21', 30081), 'the NodePort on the node address from the node itself');
    assert.ok(ask(lab, client, '10.250.0.21', 30081), 'and from another machine');

    // CVE-2020-8558: with route_localnet on, the wire must not reach loopback.
    const rules = lab.exec(node, ['nft', 'list', 'table', 'ip', 'kaplocalnet']);
    assert.match(rules, /iifname != "lo" ip saddr 127\.0\.0\.0\/8 drop/);
    assert.match(rules, /iifname != "lo" ip daddr 127\.0\.0\.0\/8 drop/);
    // A neighbour routing loopback addresses to the node: it reaches neither a service on the node's
    // loopback nor a hostPort. (The client routes 127.0.0.2 to the node in its local table, which
    // wins over its own lo; it needs route_localnet itself to send that.)
    lab.serve(node, [process.execPath, '-e', "require('net').createServer((c) => c.end('node-loopback\\n')).listen(9099, '127.0.0.2')"]);
    assert.equal(await askUntil(lab, node, '127.0.0.2', 9099), 'node-loopback');
    lab.exec(client, ['sysctl', '-q', '-w', 'net.ipv4.conf.all.route_localnet=1']);
    lab.exec(client, ['ip', 'route', 'add', '127.0.0.2/32', 'via', '10.250.0.21', 'dev', 'kapeth0', 'table', 'local']);
    assert.equal(ask(lab, client, '127.0.0.2', 9099), '', 'a loopback destination from the wire is dropped');
    assert.equal(ask(lab, client, '127.0.0.2', 8080), '', 'and never DNATed to a hostPort');
    // The same packets without the drop table do get through: what the rules stop is real.
    lab.exec(node, ['nft', 'delete', 'table', 'ip', 'kaplocalnet']);
    assert.equal(ask(lab, client, '127.0.0.2', 9099), 'node-loopback', 'without the table, route_localnet lets the wire in');
    await network.localnet.enable();

    await network.tearDown(web);
    await network.removeNode();
    assert.equal(routeLocalnet(lab, node), '0', 'route_localnet put back');
    assert.throws(() => lab.exec(node, ['nft', 'list', 'table', 'ip', 'kaplocalnet']), 'no drop table left');
  } finally {
    await lab.cleanup();
  }
});

test('removeNode leaves route_localnet on when the node had it', { timeout: 30_000 }, async () => {
  const lab = new NetnsLab();
  try {
    lab.guardHost();
    const node = lab.machine('pre');
    lab.exec(node, ['sysctl', '-q', '-w', 'net.ipv4.conf.all.route_localnet=1']);
    const network = new BridgeNetwork({ podCidr: '10.244.74.0/24', dataDir: lab.dir, nodeNetnsPath: node });
    lab.onCleanup(() => network.removeNode());
    await network.ensureNode();
    await network.removeNode();
    assert.equal(routeLocalnet(lab, node), '1');
  } finally {
    await lab.cleanup();
  }
});
