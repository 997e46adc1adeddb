// `node dist/test/network/network-bench.js`: pod-to-pod TCP throughput and
// request latency across two simulated nodes, next to the same between two
// bare namespaces on one bridge (the physical limit here), and the time to
// apply Service rules at 1,000 Services x 10 endpoints. Prints JSON.
import { BridgeNetwork } from '../../node-agent/network/bridge-network';
import { HostGatewayRoutes, nodeRoutes } from '../../node-agent/network/node-routes';
import { ServiceProxy } from '../../node-agent/network/service-proxy';
import type { EndpointsObject, ServiceObject } from '../../node-agent/network/service-rules';
import { NetnsLab } from './netns-harness';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

const SERVER = `
const net = require('net');
net.createServer((s) => { let n = 0; s.on('data', (d) => (n += d.length)); s.on('end', () => s.end(String(n))); }).listen(5201);
net.createServer((s) => s.pipe(s)).listen(5202);`;

const CLIENT = (ip: string) => `
const net = require('net');
const chunk = Buffer.alloc(1 << 20);
const until = Date.now() + ${SECONDS * 1000};
const bulk = net.connect(5201, '${ip}', () => {
  const started = process.hrtime.bigint();
  const pump = () => { while (Date.now() < until) { if (!bulk.write(chunk)) return bulk.once('drain', pump); } bulk.end(); };
  pump();
  let reply = '';
  bulk.on('data', (d) => (reply += d));
  bulk.on('end', () => {
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    const gbps = (Number(reply) * 8) / secs / 1e9;
    const echo = net.connect(5202, '${ip}', () => {
      echo.setNoDelay(true);
      const times = []; let t0; const msg = Buffer.alloc(64, 1); let got = 0;
      const send = () => { t0 = process.hrtime.bigint(); echo.write(msg); };
      echo.on('data', (d) => {
        got += d.length; if (got < 64) return; got = 0;
        times.push(Number(process.hrtime.bigint() - t0) / 1e3);
        if (times.length < 2000) return send();
        times.sort((a, b) => a - b);
        console.log(JSON.stringify({ gbps: +gbps.toFixed(2), rttP50us: Math.round(times[1000]), rttP99us: Math.round(times[1980]) }));
        echo.destroy();
      });
      send();
    });
  });
});`;

async function measure(lab: NetnsLab, serverNs: string, clientNs: string, serverIp: string): Promise<{ gbps: number; rttP50us: number; rttP99us: number }> {
  lab.serve(serverNs, [process.execPath, '-e', SERVER]);
  for (let i = 0; ; i++) {
    try {
      return JSON.parse(lab.exec(clientNs, [process.execPath, '-e', CLIENT(serverIp)]));
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((r) => setTimeout(r, 100)); // the server is still starting
    }
  }
}

function serviceCluster(count: number, endpointsEach: number): { services: ServiceObject[]; endpoints: EndpointsObject[] } {
  const services: ServiceObject[] = [];
  const endpoints: EndpointsObject[] = [];
  for (let i = 0; i < count; i++) {
    const metadata = { namespace: 'default', name: `s${i}` };
    services.push({ metadata, spec: { clusterIP: `10.96.${Math.floor(i / 250)}.${(i % 250) + 1}`, ports: [{ name: 'http', port: 80 }] } });
    endpoints.push({ metadata, subsets: [{ addresses: Array.from({ length: endpointsEach }, (_, j) => ({ ip: `10.244.${j}.${(i % 250) + 1}` })), ports: [{ name: 'http', port: 8080 }] }] });
  }
  return { services, endpoints };
}

async function main(): Promise<void> {
  const lab = new NetnsLab();
  try {
    lab.guardHost();
    const segment = lab.segment();

    // The limit: two bare namespaces on the segment's bridge.
    const bareA = lab.machine('ba');
    const bareB = lab.machine('bb');
    lab.wire(segment, bareA, '10.250.0.21');
    lab.wire(segment, bareB, '10.250.0.22');
    const bare = await measure(lab, bareB, bareA, '10.250.0.22');

    // Pod to pod across two nodes: veth → bridge → node routing → segment → node → bridge → veth.
    const machines = [
      { name: 'kap-bench-1', ns: lab.machine('1'), ip: '10.250.0.11', podCidr: '10.244.101.0/24' },
      { name: 'kap-bench-2', ns: lab.machine('2'), ip: '10.250.0.12', podCidr: '10.244.102.0/24' },
    ];
    const nodes = machines.map((m) => ({ metadata: { name: m.name }, spec: { podCIDR: m.podCidr }, status: { addresses: [{ type: 'InternalIP', address: m.ip }] } }));
    const pods: Array<{ ns: string; ip: string }> = [];
    for (const [i, m] of machines.entries()) {
      lab.wire(segment, m.ns, m.ip);
      const network = new BridgeNetwork({ podCidr: m.podCidr, dataDir: `${lab.dir}/node-${i}`, nodeNetnsPath: m.ns });
      lab.onCleanup(() => network.removeNode());
      const pod = { namespace: 'default', name: `bench-${i}`, uid: `uid-bench-${i}-${lab.tag}` };
      const ns = lab.pod(`bench-${i}`);
      lab.onCleanup(() => network.tearDown(pod));
      pods.push({ ns, ip: (await network.setUp(pod, ns)).ips[0] });
      await new HostGatewayRoutes(m.ns).sync(nodeRoutes(nodes, m.name));
    }
    const podToPod = await measure(lab, pods[1].ns, pods[0].ns, pods[1].ip);

    // Service rules at 1,000 Services x 10 endpoints.
    const proxy = new ServiceProxy({ nodeNetnsPath: machines[0].ns, table: `kaptest${lab.tag}` });
    lab.onCleanup(() => proxy.remove());
    const cluster = serviceCluster(1000, 10);
    let t = process.hrtime.bigint();
    await proxy.sync(cluster.services, cluster.endpoints);
    const fullMs = Number(process.hrtime.bigint() - t) / 1e6;
    cluster.endpoints[500].subsets![0].addresses!.pop();
    t = process.hrtime.bigint();
    await proxy.sync(cluster.services, cluster.endpoints);
    const changeMs = Number(process.hrtime.bigint() - t) / 1e6;

    console.log(JSON.stringify({
      seconds: SECONDS,
      bareNamespaces: bare,
      podToPodAcrossNodes: podToPod,
      throughputRatio: +(podToPod.gbps / bare.gbps).toFixed(3),
      serviceRules: { services: 1000, endpointsEach: 10, firstSyncMs: Math.round(fullMs), oneEndpointChangeMs: Math.round(changeMs) },
    }, null, 2));
  } finally {
    await lab.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
