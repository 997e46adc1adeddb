// `node dist/test/network/network-bench.js`: pod-to-pod TCP throughput and
// request latency across two simulated nodes, next to the same between two
// bare namespaces on one bridge (the physical limit here), and the time to
// apply Service rules at 1,000 Services x 10 endpoints. Prints JSON.
import { BridgeNetwork } from '../../node-agent/network/bridge-network';
import { HostGatewayRoutes, nodeRoutes } from '../../node-agent/network/node-routes';
import { ServiceProxy } from '../../node-agent/network/service-proxy';
import type { EndpointsObject, ServiceObject } from '../../node-agent/network/service-rules';
import { readFileSync } from 'node:fs';
import { NetnsLab } from './netns-harness';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
/** Rounds of bare / pod-to-pod measurements, interleaved (ABBA) so that load from others hits both alike. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

// One tool for both paths: the same client, duration and single stream. The
// server reports the bytes it read and the CPU it spent on them.
const SERVER = `
const net = require('net');
net.createServer((s) => { let n = 0; const c0 = process.cpuUsage(); s.on('data', (d) => (n += d.length)); s.on('end', () => { const c = process.cpuUsage(c0); s.end(JSON.stringify({ bytes: n, cpuUs: c.user + c.system })); }); }).listen(5201);
net.createServer((s) => s.pipe(s)).listen(5202);`;

const CLIENT = (ip: string) => `
const net = require('net');
const chunk = Buffer.alloc(1 << 20);
const until = Date.now() + ${SECONDS * 1000};
const c0 = process.cpuUsage();
const bulk = net.connect(5201, '${ip}', () => {
  const started = process.hrtime.bigint();
  const pump = () => { while (Date.now() < until) { if (!bulk.write(chunk)) return bulk.once('drain', pump); } bulk.end(); };
  pump();
  let reply = '';
  bulk.on('data', (d) => (reply += d));
  bulk.on('end', () => {
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    const c = process.cpuUsage(c0);
    const server = JSON.parse(reply);
    const gb = server.bytes / 1e9;
    const gbps = (server.bytes * 8) / secs / 1e9;
    const echo = net.connect(5202, '${ip}', () => {
      echo.setNoDelay(true);
      const times = []; let t0; const msg = Buffer.alloc(64, 1); let got = 0;
      const send = () => { t0 = process.hrtime.bigint(); echo.write(msg); };
      echo.on('data', (d) => {
        got += d.length; if (got < 64) return; got = 0;
        times.push(Number(process.hrtime.bigint() - t0) / 1e3);
        if (times.length < 2000) return send();
        times.sort((a, b) => a - b);
        console.log(JSON.stringify({ gbps, gb, cpuMsPerGb: (c.user + c.system + server.cpuUs) / 1e3 / gb, rttP50us: times[1000], rttP99us: times[1980] }));
        echo.destroy();
      });
      send();
    });
  });
});`;

interface Sample {
  gbps: number;
  /** CPU time of the client and server processes per GB moved (includes the softirq work done in their context). */
  cpuMsPerGb: number;
  /** The machine's softirq time per GB (from /proc/stat; others' work adds noise, the path's own forwarding dominates). */
  softirqMsPerGb: number;
  rttP50us: number;
  rttP99us: number;
}

/** Jiffies spent in softirq by all CPUs, in ms. */
function softirqMs(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  return (Number(cpu[7]) * 1000) / 100; // USER_HZ is 100 on Linux
}

async function measureOnce(lab: NetnsLab, clientNs: string, serverIp: string): Promise<Sample> {
  for (let i = 0; ; i++) {
    try {
      const s0 = softirqMs();
      const r = JSON.parse(lab.exec(clientNs, [process.execPath, '-e', CLIENT(serverIp)])) as Sample & { gb: number };
      return { gbps: r.gbps, cpuMsPerGb: r.cpuMsPerGb, softirqMsPerGb: (softirqMs() - s0) / r.gb, rttP50us: r.rttP50us, rttP99us: r.rttP99us };
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((r) => setTimeout(r, 100)); // the server is still starting
    }
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function summary(samples: Sample[]) {
  const pick = (k: keyof Sample, digits: number) => +median(samples.map((s) => s[k])).toFixed(digits);
  return {
    gbps: pick('gbps', 2),
    cpuMsPerGb: pick('cpuMsPerGb', 0),
    softirqMsPerGb: pick('softirqMsPerGb', 0),
    rttP50us: pick('rttP50us', 0),
    rttP99us: pick('rttP99us', 0),
    gbpsEachRound: samples.map((s) => +s.gbps.toFixed(2)),
  };
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

/** Time to apply Service rules at 1,000 Services x 10 endpoints, whole and after one endpoint change. */
async function serviceRuleTimes(lab: NetnsLab, nodeNs: string) {
  const proxy = new ServiceProxy({ nodeNetnsPath: nodeNs, table: `kaptest${lab.tag}` });
  lab.onCleanup(() => proxy.remove());
  const cluster = serviceCluster(1000, 10);
  let t = process.hrtime.bigint();
  await proxy.sync(cluster.services, cluster.endpoints);
  const fullMs = Number(process.hrtime.bigint() - t) / 1e6;
  cluster.endpoints[500].subsets![0].addresses!.pop();
  t = process.hrtime.bigint();
  await proxy.sync(cluster.services, cluster.endpoints);
  const changeMs = Number(process.hrtime.bigint() - t) / 1e6;
  return { services: 1000, endpointsEach: 10, firstSyncMs: Math.round(fullMs), oneEndpointChangeMs: Math.round(changeMs) };
}

const loadAvg1m = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

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
    lab.serve(bareB, [process.execPath, '-e', SERVER]);

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
    lab.serve(pods[1].ns, [process.execPath, '-e', SERVER]);

    // ABBA rounds: each path runs first as often as second, and each pod
    // sample is compared with the bare sample taken right next to it.
    const bareSamples: Sample[] = [];
    const podSamples: Sample[] = [];
    const loads = [loadAvg1m()];
    for (let round = 0; round < ROUNDS; round++) {
      const runBare = async () => bareSamples.push(await measureOnce(lab, bareA, '10.250.0.22'));
      const runPod = async () => podSamples.push(await measureOnce(lab, pods[0].ns, pods[1].ip));
      if (round % 2 === 0) {
        await runBare();
        await runPod();
      } else {
        await runPod();
        await runBare();
      }
      loads.push(loadAvg1m());
    }
    const bare = summary(bareSamples);
    const podToPod = summary(podSamples);
    const ratios = bareSamples.map((b, i) => podSamples[i].gbps / b.gbps);

    const serviceRules = process.env.BENCH_SERVICES === '0' ? undefined : await serviceRuleTimes(lab, machines[0].ns);

    console.log(JSON.stringify({
      seconds: SECONDS,
      rounds: ROUNDS,
      streams: 1,
      loadAvg1m: loads.join(' '),
      bareNamespaces: bare,
      podToPodAcrossNodes: podToPod,
      throughputRatio: +median(ratios).toFixed(3), // median of the per-round pod / bare ratios
      throughputRatioEachRound: ratios.map((r) => +r.toFixed(3)),
      cpuPerGbRatio: +(podToPod.cpuMsPerGb / bare.cpuMsPerGb).toFixed(3),
      softirqPerGbRatio: +(podToPod.softirqMsPerGb / bare.softirqMsPerGb).toFixed(3),
      serviceRules,
    }, null, 2));
  } finally {
    await lab.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
