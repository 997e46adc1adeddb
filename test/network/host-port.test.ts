// hostPort on a simulated node: another machine reaches a pod through the
// node's address and the host port and is seen with its own address (no
// NAT of outside clients); the pod reaches itself the same way (hairpin,
// masqueraded); a restarted network keeps the mapping of a live pod and drops
// that of a gone one; tearDown and removeNode leave no table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BridgeNetwork } from '../../node-agent/network/bridge-network';
import { NetnsLab } from './netns-harness';
import { ask, askUntil } from './tcp-ask';

test('hostPort: DNAT from the node address to the pod, hairpin, kept across restarts, removed with the pod', { timeout: 60_000 }, async () => {
  const lab = new NetnsLab();
  try {
    lab.guardHost();
    const segment = lab.segment();
    const node = lab.machine('node');
    const client = lab.machine('client');
    lab.wire(segment, node, '10.250.0.11');
    lab.wire(segment, client, '10.250.0.12');
    const table = `kaphp${lab.tag}`;
    const network = new BridgeNetwork({ podCidr: '10.244.71.0/24', dataDir: lab.dir, nodeNetnsPath: node, hostPortTable: table });
    lab.onCleanup(() => network.removeNode());
    const pod = { namespace: 'default', name: 'web', uid: `uid-web-${lab.tag}` };
    const ns = lab.pod('web');
    lab.onCleanup(() => network.tearDown(pod));
    const [ip] = (await network.setUp(pod, ns, { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'TCP' }] })).ips;
    lab.serve(ns, [process.execPath, '-e', "require('net').createServer((c) => c.end(c.remoteAddress + '\\n')).listen(80, '0.0.0.0')"]);

    assert.equal(await askUntil(lab, client, '10.250.0.11', 8080), '10.250.0.12', 'an outside client keeps its address');
    assert.equal(ask(lab, client, '10.250.0.11', 8081), '', 'only the mapped port');
    const hairpin = ask(lab, ns, '10.250.0.11', 8080);
    assert.ok(hairpin && hairpin !== ip, `the pod reaches itself through the node, masqueraded (saw ${hairpin})`);

    // An agent restart: the live pod keeps its mapping, a gone pod's is dropped.
    const restarted = new BridgeNetwork({ podCidr: '10.244.71.0/24', dataDir: lab.dir, nodeNetnsPath: node, hostPortTable: table });
    await restarted.removeStale([pod.uid]);
    assert.equal(ask(lab, client, '10.250.0.11', 8080), '10.250.0.12');
    await restarted.removeStale([]);
    assert.equal(ask(lab, client, '10.250.0.11', 8080), '');
    assert.throws(() => lab.exec(node, ['nft', 'list', 'table', 'ip', table]), 'no pod maps a host port: no table');

    // tearDown of a mapped pod removes its rules.
    const again = { namespace: 'default', name: 'web2', uid: `uid-web2-${lab.tag}` };
    const ns2 = lab.pod('web2');
    lab.onCleanup(() => restarted.tearDown(again));
    await restarted.setUp(again, ns2, { portMappings: [{ hostPort: 9090, containerPort: 80, protocol: 'TCP', hostIP: '10.250.0.11' }] });
    lab.serve(ns2, [process.execPath, '-e', "require('net').createServer((c) => c.end('web2\\n')).listen(80)"]);
    assert.equal(await askUntil(lab, client, '10.250.0.11', 9090), 'web2');
    await restarted.tearDown(again);
    assert.throws(() => lab.exec(node, ['nft', 'list', 'table', 'ip', table]));
  } finally {
    await lab.cleanup();
  }
});
