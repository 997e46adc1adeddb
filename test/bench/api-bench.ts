// `npm run bench:api`: apiserver throughput and latency against the raw etcd
// put rate measured in the same run (this machine is shared and noisy, so
// only the ratio is comparable between runs). Prints one JSON document.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import { Etcd3 } from 'etcd3';
import { startTestEtcd } from '../harness/etcd';
import { freePort } from '../harness/ports';
import { spawnServer } from '../harness/server-process';
import { Endpoint, openWatch, OpenWatch } from '../harness/http';
import { measureCpu } from './process-cpu';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const OPS = Number(process.env.BENCH_OPS ?? 4000);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 500);
const WATCH_EVENTS = Number(process.env.BENCH_WATCH_EVENTS ?? 100);

interface Stats {
  ops: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

function stats(latencies: number[], seconds: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    ops: latencies.length,
    seconds: round(seconds),
    perSecond: round(latencies.length / seconds),
    p50ms: round(at(0.5)),
    p99ms: round(at(0.99)),
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
const now = () => performance.now();

async function runConcurrent(count: number, concurrency: number, op: (i: number) => Promise<void>): Promise<Stats> {
  const latencies: number[] = [];
  let next = 0;
  const start = now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = now();
        await op(i);
        latencies.push(now() - t);
      }
    }),
  );
  return stats(latencies, (now() - start) / 1000);
}

function client(ep: Endpoint) {
  const agent = new https.Agent({ ca: ep.caPem, keepAlive: true, maxSockets: CONCURRENCY });
  const call = (method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(new URL(path, ep.url), {
        method,
        agent,
        servername: 'localhost',
        headers: { Authorization: `Bearer ${ep.token}`, Accept: 'application/json', ...(payload ? { 'Content-Type': 'application/json' } : {}) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  return { call, close: () => agent.destroy() };
}

async function main(): Promise<void> {
  const etcd = await startTestEtcd();
  const dataDir = mkdtempSync(join(tmpdir(), 'kap-bench-'));
  const server = await spawnServer({ dataDir, port: await freePort(), etcdEndpoint: etcd.endpoint });
  const api = client(server);
  const watches: OpenWatch[] = [];
  try {
    // Baseline: raw etcd puts through the etcd3 client, same size and concurrency.
    const raw = new Etcd3({ hosts: etcd.endpoint });
    // CPU µs per operation of each process: robust to other load on the machine.
    const pids = { apiserver: server.pid, etcd: etcd.pid, client: process.pid };
    const value = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'bench', uid: 'u' }, data: { k: 'v' } });
    let cpu = measureCpu(pids);
    const rawPut = await runConcurrent(OPS, CONCURRENCY, async (i) => {
      await raw.put(`/bench-raw/${i}`).value(value);
    });
    const rawPutCpu = cpu(OPS);
    raw.close();

    const ns = await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    if (ns.status !== 201) throw new Error(`namespace: ${ns.status} ${ns.text}`);
    const fail = (what: string, r: { status: number; text: string }) => {
      throw new Error(`${what} failed: ${r.status} ${r.text.slice(0, 200)}`);
    };
    // Warm up: open every keep-alive connection (TLS handshakes) and let the JIT settle.
    await runConcurrent(CONCURRENCY * 8, CONCURRENCY, async (i) => {
      const r = await api.call('POST', '/api/v1/namespaces/bench/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `warm-${i}` } });
      if (r.status !== 201) fail('warm-up', r);
    });
    cpu = measureCpu(pids);
    const create = await runConcurrent(OPS, CONCURRENCY, async (i) => {
      const r = await api.call('POST', '/api/v1/namespaces/bench/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { k: 'v' } });
      if (r.status !== 201) fail('create', r);
    });
    const createCpu = cpu(OPS);
    cpu = measureCpu(pids);
    const get = await runConcurrent(OPS, CONCURRENCY, async (i) => {
      const r = await api.call('GET', `/api/v1/namespaces/bench/configmaps/cm-${i}`);
      if (r.status !== 200) fail('get', r);
    });
    const getCpu = cpu(OPS);
    const list = await runConcurrent(Math.max(50, OPS / 40), CONCURRENCY, async () => {
      const r = await api.call('GET', '/api/v1/namespaces/bench/configmaps?limit=100');
      if (r.status !== 200) fail('list', r);
    });

    // Watch delivery: WATCHERS streams, events stamped with their send time.
    for (let i = 0; i < WATCHERS; i++) {
      watches.push(await openWatch(server, '/api/v1/namespaces/bench/configmaps?watch=true&resourceVersion=' + (await currentRv(api)) + '&labelSelector=bench%3Dwatch'));
    }
    const sentAt = new Map<string, number>();
    const deliveries: number[] = [];
    const start = now();
    for (let i = 0; i < WATCH_EVENTS; i++) {
      const name = `w-${i}`;
      sentAt.set(name, now());
      const r = await api.call('POST', '/api/v1/namespaces/bench/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'watch' } } });
      if (r.status !== 201) fail('watch create', r);
      await new Promise((res) => setTimeout(res, 10));
    }
    await Promise.all(watches.map((w) => w.waitFor(WATCH_EVENTS, 60_000)));
    for (const w of watches) for (const e of w.events) deliveries.push(e.receivedAt - sentAt.get(e.object.metadata.name)!);
    const watch = { watchers: WATCHERS, events: WATCH_EVENTS, ...stats(deliveries, (now() - start) / 1000) };

    console.log(
      JSON.stringify(
        {
          benchmark: 'api',
          concurrency: CONCURRENCY,
          baseline: { etcdPut: { ...rawPut, cpuMicrosPerOp: rawPutCpu } },
          create: { ...create, cpuMicrosPerOp: createCpu },
          get: { ...get, cpuMicrosPerOp: getCpu },
          list: { ...list, itemsPerList: 100 },
          watchDelivery: watch,
          ratios: { createVsEtcdPut: round(create.perSecond / rawPut.perSecond) },
          goals: { createVsEtcdPut: 0.7, watchDeliveryP99ms: 50 },
        },
        null,
        2,
      ),
    );
  } finally {
    for (const w of watches) w.close();
    api.close();
    await server.kill('SIGTERM');
    await etcd.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function currentRv(api: ReturnType<typeof client>): Promise<string> {
  const r = await api.call('GET', '/api/v1/namespaces/bench/configmaps?limit=1');
  return JSON.parse(r.text).metadata.resourceVersion;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
