// BridgeNetwork on the real kernel: a simulated node (its own netns) with two
// pods on its bridge, talking by pod IP; everything removed afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BridgeNetwork, vethName } from '../../node-agent/network/bridge-network';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodePodNetwork } from '../../node-agent/network/node-pod-network';
import { NetnsLab, httpGet, kapLinks } from './netns-harness';

const podRef = (name: string) => ({ namespace: 'default', name, uid: `uid-${name}-${Math.random().toString(16).slice(2)}` });

test('two pods on one node reach each other by pod IP (ICMP and TCP); teardown leaves nothing', { timeout: 60_000 }, async () => {
  const lab = new NetnsLab();
  // This test's veths (other agents on this host may have kap links of their own).
  const ours: string[] = [];
  try {
    lab.guardHost();
    const node = lab.machine('a');
    const network = new BridgeNetwork({ podCidr: '10.244.77.0/24', dataDir: lab.dir, nodeNetnsPath: node });
    lab.onCleanup(() => network.removeNode());
    const [a, b] = [podRef('a'), podRef('b')];
    ours.push(vethName(a.uid), vethName(b.uid));
    const [netA, netB] = [lab.pod('a'), lab.pod('b')];
    lab.onCleanup(() => network.tearDown(a));
    lab.onCleanup(() => network.tearDown(b));

    const ipA = (await network.setUp(a, netA)).ips[0];
    const ipB = (await network.setUp(b, netB)).ips[0];
    assert.match(ipA, /^10\.244\.77\.\d+$/);
    assert.match(ipB, /^10\.244\.77\.\d+$/);
    assert.notEqual(ipA, ipB);
    assert.ok(![ipA, ipB].includes('10.244.77.1'), 'the gateway address is the bridge’s');
    assert.deepEqual(kapLinks(node).sort(), ['kap0', vethName(a.uid), vethName(b.uid)].sort());

    // The pod side: eth0 with the address, lo up, default route via the bridge.
    const route = lab.exec(netA, ['ip', 'route', 'show', 'default']);
    assert.match(route, /default via 10\.244\.77\.1 dev eth0/);
    assert.match(lab.exec(netA, ['ip', '-4', 'addr', 'show', 'dev', 'eth0']), new RegExp(`inet ${ipA.replace(/\./g, '\\.')}/24`));

    assert.match(lab.exec(netA, ['busybox', 'ping', '-c', '1', '-W', '2', ipB]), /1 packets received/);
    const webroot = `${lab.dir}/www`;
    lab.exec(netB, ['sh', '-c', `mkdir -p ${webroot} && echo hello-from-b > ${webroot}/index.html`]);
    lab.serve(netB, ['busybox', 'httpd', '-f', '-p', '8080', '-h', webroot]);
    assert.equal((await httpGet(lab, netA, ipB, 8080)).trim(), 'hello-from-b');

    // An address in the pod range that nobody holds dies on the node.
    assert.throws(() => lab.exec(netA, ['busybox', 'ping', '-c', '1', '-W', '1', '10.244.200.9']));

    // An agent restart (a new BridgeNetwork over the same data dir) keeps A's address and hands B's to no one else.
    const restarted = new BridgeNetwork({ podCidr: '10.244.77.0/24', dataDir: lab.dir, nodeNetnsPath: node });
    assert.equal(await restarted.ipam.allocate(a.uid), ipA);
    const c = podRef('c');
    const ipC = await restarted.ipam.allocate(c.uid);
    assert.ok(![ipA, ipB].includes(ipC));
    await restarted.ipam.release(c.uid);

    // A pod that vanished while the agent was down: its veth and address are removed, A's and B's stay.
    const gone = podRef('gone');
    ours.push(vethName(gone.uid));
    const ipGone = (await network.setUp(gone, lab.pod('gone'))).ips[0];
    const stale = await restarted.removeStale([a.uid, b.uid]);
    assert.deepEqual(stale, { links: [vethName(gone.uid)], addresses: [ipGone] });
    assert.deepEqual(kapLinks(node).sort(), ['kap0', vethName(a.uid), vethName(b.uid)].sort());
    assert.match(lab.exec(netA, ['busybox', 'ping', '-c', '1', '-W', '2', ipB]), /1 packets received/);

    // Teardown removes the veth (and with it the pod's eth0) and frees the address.
    await network.tearDown(b);
    assert.deepEqual(kapLinks(node).sort(), ['kap0', vethName(a.uid)].sort());
    assert.throws(() => lab.exec(netB, ['ip', '-o', 'link', 'show', 'eth0']), /does not exist/);
  } finally {
    await lab.cleanup();
  }
  assert.deepEqual(kapLinks().filter((n) => ours.includes(n)), [], 'none of its links ever on the host');
});

test('the agent’s NodePodNetwork: loopback only until the node has a subnet, then the bridge on it', { timeout: 30_000 }, async () => {
  const lab = new NetnsLab();
  try {
    lab.guardHost();
    const node = lab.machine('n');
    const network = new NodePodNetwork({ dataDir: lab.dir, nodeNetnsPath: node });
    const pod = podRef('p');
    const netns = lab.pod('p');
    assert.deepEqual(await network.setUp(pod, netns), { ips: [] });
    await network.tearDown(pod);
    assert.deepEqual(kapLinks(node), []);

    writeFileSync(join(lab.dir, 'node.json'), JSON.stringify({ nodeName: 'n', podCidr: '10.244.79.0/24' }));
    lab.onCleanup(() => new BridgeNetwork({ podCidr: '10.244.79.0/24', dataDir: lab.dir, nodeNetnsPath: node }).removeNode());
    lab.onCleanup(() => network.tearDown(pod));
    const { ips } = await network.setUp(pod, netns);
    assert.match(ips[0], /^10\.244\.79\.\d+$/);
    await network.tearDown(pod);
    assert.deepEqual(kapLinks(node), ['kap0']);
  } finally {
    await lab.cleanup();
  }
});
