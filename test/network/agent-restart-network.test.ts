// Restarting agents keeps pod networking up: on a 2-node cluster of simulated
// machines, a TCP connection between pods on the two nodes carries data
// before and after both agents restart (their bridges, routes, rules and the
// pods' veths are left as they are), cluster DNS answers again, a route to a
// Node deleted while the agent was down is removed at its first sync, and the
// veth and address of a pod removed while it was down are freed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { NetnsCluster } from '../harness/netns-cluster';
import { request } from '../harness/http';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostGatewayRoutes } from '../../node-agent/network/node-routes';
import { vethName } from '../../node-agent/network/bridge-network';
import { create, eventually, inNetns, startNetworkCluster, startPod } from './network-cluster';

/** A line-oriented TCP client in a pod's namespace: each line written is sent, each line echoed is collected. */
function tcpClient(netns: string, ip: string, port: number): { child: ChildProcess; send(line: string): void; lines: string[] } {
  const script = `const s = require('net').connect(${port}, ${JSON.stringify(ip)});
    s.on('data', (d) => process.stdout.write(d)); s.on('error', (e) => { console.error(e.message); process.exit(1); });
    process.stdin.on('data', (d) => s.write(d));`;
  const child = spawn('nsenter', [`--net=${netns}`, '--', process.execPath, '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  return { child, send: (line) => child.stdin!.write(`${line}\n`), lines };
}

test('agent restarts keep established pod-to-pod traffic, DNS comes back, stale routes go', { timeout: 600_000 }, async () => {
  const cluster = new NetnsCluster();
  let client: ReturnType<typeof tcpClient> | undefined;
  try {
    const net = await startNetworkCluster(cluster, 2);
    const [n1, n2] = net.nodes;
    const svc = await create(net.api, '/api/v1/namespaces/default/services', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'kap-echo' }, spec: { selector: { app: 'kap-echo' }, ports: [{ port: 7000 }] },
    });
    const echo = await startPod(net, n2, 'kap-echo', 'sleep 3600');
    const probe = await startPod(net, n1, 'kap-probe', 'sleep 3600');
    cluster.lab.serve(echo.netns, [process.execPath, '-e', "require('net').createServer((c) => c.pipe(c)).listen(7000)"]);
    client = await eventually('a TCP connection across nodes', async () => {
      const c = tcpClient(probe.netns, echo.ip, 7000);
      c.send('before');
      for (let i = 0; i < 20 && !c.lines.includes('before'); i++) await new Promise((r) => setTimeout(r, 50));
      if (c.lines.includes('before')) return c;
      c.child.kill('SIGKILL');
      return undefined;
    });

    // A Node that will leave while node 1's agent is down: its route is there first.
    await create(net.api, '/api/v1/nodes', {
      apiVersion: 'v1', kind: 'Node', metadata: { name: 'kap-ghost' },
      spec: { podCIDR: '10.244.250.0/24', podCIDRs: ['10.244.250.0/24'] },
    });
    // The apiserver keeps status on create (as Kubernetes does): the address goes through status.
    const ghost = (await request(net.api, 'GET', '/api/v1/nodes/kap-ghost')).body;
    ghost.status = { addresses: [{ type: 'InternalIP', address: '10.250.0.99' }] };
    const put = await request(net.api, 'PUT', '/api/v1/nodes/kap-ghost/status', { body: ghost });
    assert.ok(put.status < 300, put.text);
    const routes = new HostGatewayRoutes(n1.machine.ns);
    await eventually('the route to the ghost node', async () => (await routes.installed()).some((r) => r.podCidr === '10.244.250.0/24'));

    // Both agents restart; node 1's misses the ghost's deletion.
    await n1.agent.stop();
    await n2.agent.stop();
    assert.equal((await request(net.api, 'DELETE', '/api/v1/nodes/kap-ghost')).status, 200);
    // What a pod removed while no agent ran leaves: its host veth and its address.
    const staleVeth = vethName(`kap-stale-${cluster.lab.tag}`);
    await inNetns(n1.machine.ns, ['ip', 'link', 'add', staleVeth, 'type', 'veth', 'peer', 'name', `kaps${cluster.lab.tag}`]);
    const staleIp = probe.ip.replace(/\.\d+$/, '.200');
    const staleIpFile = join(n1.agent.dataDir, 'network', 'ips', staleIp);
    writeFileSync(staleIpFile, `kap-stale-${cluster.lab.tag}`);
    n1.agent = await cluster.restart(n1.agent);
    n2.agent = await cluster.restart(n2.agent);

    assert.doesNotMatch(await inNetns(n1.machine.ns, ['ip', 'link', 'show']), new RegExp(staleVeth), 'the stale veth is gone');
    assert.equal(existsSync(staleIpFile), false, 'the stale address is free');
    assert.match(await inNetns(n1.machine.ns, ['ip', 'link', 'show']), new RegExp(vethName(probe.uid)), 'the running pod keeps its veth');

    client.send('after');
    await eventually('the same connection carries data after the restarts', async () => client!.lines.includes('after'), 10_000);
    assert.equal(client.child.exitCode, null, 'the connection was never dropped');

    const left = await eventually('the stale route removed at the first sync', async () => {
      const r = await routes.installed();
      return r.some((x) => x.podCidr === '10.244.250.0/24') ? undefined : r;
    });
    assert.deepEqual(left.map((r) => r.nodeIp), [n2.machine.ip]);

    const answer = await eventually('cluster DNS answers again', async () => {
      const out = await inNetns(probe.netns, ['busybox', 'nslookup', '-timeout=2', 'kap-echo.default.svc.cluster.local', '10.96.0.10']).catch(() => '');
      return out.includes(svc.spec.clusterIP) ? out : undefined;
    });
    assert.match(answer, new RegExp(`Address: ${svc.spec.clusterIP.replace(/\./g, '\\.')}$`, 'm'));
  } catch (err) {
    throw new Error(`${(err as Error).stack}\n${cluster.logs()}`);
  } finally {
    client?.child.kill('SIGKILL');
    await cluster.cleanup();
  }
});
