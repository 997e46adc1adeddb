// The WatchNodes stream from a real apiserver, through the agent's route loop
// (runNodeRouteSync), into a simulated node's routing table: the first SYNC
// replaces a stale route with the routes of the Nodes that exist, routes
// follow Nodes as they are added and deleted, and Node changes that do not
// touch routing (labels, conditions) are not even sent; a node that cannot be
// routed to does not hold up the routes to the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeClient } from '../../client/node-client';
import { startNodeTestBed } from '../grpc/node-grpc-testbed';
import { HostGatewayRoutes } from '../../node-agent/network/node-routes';
import { nodeWatchEvents, runNodeRouteSync, type NodeWatchEvent } from '../../node-agent/network/node-route-sync';
import { NetnsLab } from './netns-harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const nodeObject = (name: string, podCIDR: string, ip: string) => ({
  apiVersion: 'v1', kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  spec: { podCIDR, podCIDRs: [podCIDR] },
  status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] },
});

test('routes to other nodes follow the WatchNodes stream', { timeout: 120_000 }, async () => {
  const bed = await startNodeTestBed();
  const lab = new NetnsLab();
  const abort = new AbortController();
  let client: NodeClient | undefined;
  let loop: Promise<void> | undefined;
  try {
    lab.guardHost();
    const segment = lab.segment();
    const machine = lab.machine('self');
    lab.wire(segment, machine, '10.250.0.11');
    const routes = new HostGatewayRoutes(machine);
    // A route an earlier agent left for a node that has gone since.
    lab.exec(machine, ['ip', 'route', 'add', '10.244.99.0/24', 'via', '10.250.0.99', 'proto', '77']);

    const nodes = bed.registry.storeFor('', 'v1', 'nodes');
    await nodes.create('', nodeObject('kap-self', '10.244.91.0/24', '10.250.0.11'));
    await nodes.create('', nodeObject('kap-b', '10.244.92.0/24', '10.250.0.12'));

    client = await bed.registeredNode('kap-self');
    const received: NodeWatchEvent[] = [];
    const c = client;
    loop = runNodeRouteSync({
      open: (signal) => {
        const stream = c.openNodeWatch();
        signal.addEventListener('abort', () => stream.cancel(), { once: true });
        return (async function* () {
          for await (const ev of nodeWatchEvents(stream)) {
            received.push(ev);
            yield ev;
          }
        })();
      },
      routes,
      nodeName: 'kap-self',
      signal: abort.signal,
      retryDelayMs: 200,
    });
    const installed = async (want: string) => {
      const now = JSON.stringify(await routes.installed());
      return now === want ? now : undefined;
    };
    await until('the listed node\'s route, the stale one gone', () =>
      installed(JSON.stringify([{ podCidr: '10.244.92.0/24', nodeIp: '10.250.0.12' }])));
    // Trimmed to what routing needs.
    const listed = received.find((e) => e.node?.metadata.name === 'kap-b')!;
    assert.deepEqual(Object.keys(listed.node!.metadata), ['name']);

    await nodes.create('', nodeObject('kap-c', '10.244.93.0/24', '10.250.0.13'));
    await until('the new node\'s route', () => installed(JSON.stringify([
      { podCidr: '10.244.92.0/24', nodeIp: '10.250.0.12' },
      { podCidr: '10.244.93.0/24', nodeIp: '10.250.0.13' },
    ])));

    // A label and a condition change: nothing routing cares about, nothing sent.
    const before = received.length;
    await nodes.guaranteedUpdate('', 'kap-c', undefined, (n) => ({
      ...n,
      metadata: { ...n.metadata, labels: { ...(n.metadata.labels ?? {}), 'example.com/rack': 'r2' } },
      status: { ...(n.status as object), conditions: [{ type: 'Ready', status: 'True' }] },
    }));
    // Its pod subnet moves: that is sent, and the route follows.
    await nodes.guaranteedUpdate('', 'kap-c', undefined, (n) => ({ ...n, spec: { podCIDR: '10.244.94.0/24', podCIDRs: ['10.244.94.0/24'] } }));
    await until('the moved subnet\'s route', () => installed(JSON.stringify([
      { podCidr: '10.244.92.0/24', nodeIp: '10.250.0.12' },
      { podCidr: '10.244.94.0/24', nodeIp: '10.250.0.13' },
    ])));
    assert.deepEqual(received.slice(before).map((e) => `${e.type} ${e.node?.spec?.podCIDR}`), ['MODIFIED 10.244.94.0/24']);

    await nodes.delete('', 'kap-b');
    await until('the deleted node\'s route gone', () => installed(JSON.stringify([{ podCidr: '10.244.94.0/24', nodeIp: '10.250.0.13' }])));

    // A node this one cannot route to directly (not on its segment) does not hold up the others' routes.
    await nodes.create('', nodeObject('kap-far', '10.244.95.0/24', '10.96.0.99'));
    await nodes.create('', nodeObject('kap-d', '10.244.96.0/24', '10.250.0.14'));
    await until('the reachable node\'s route', () => installed(JSON.stringify([
      { podCidr: '10.244.94.0/24', nodeIp: '10.250.0.13' },
      { podCidr: '10.244.96.0/24', nodeIp: '10.250.0.14' },
    ])));
  } finally {
    abort.abort();
    await loop;
    client?.close();
    try {
      await lab.cleanup();
    } finally {
      await bed.stop();
    }
  }
});
