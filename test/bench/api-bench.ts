// `npm run bench:api`: apiserver throughput and latency against the raw etcd
// put rate measured in the same run (this machine is shared and noisy, so
// only the ratio is comparable between runs). Prints one JSON document.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { startTestEtcd } from '../harness/etcd';
import { freePort } from '../harness/ports';
import { spawnServer } from '../harness/server-process';
import { Endpoint, openWatch, OpenWatch } from '../harness/http';
import { measureCpu } from './process-cpu';
import { KeepAlivePool } from '../../client/keep-alive-pool';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const OPS = Number(process.env.BENCH_OPS ?? 8000);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 500);
const WATCH_EVENTS = Number(process.env.BENCH_WATCH_EVENTS ?? 100);
const WATCH_GAP_MS = Number(process.env.BENCH_WATCH_GAP_MS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
/** Operations of each kind run before measuring, so that both sides are measured JIT-compiled (steady state). */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 4000);

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

interface Timings {
  latencies: number[];
  seconds: number;
}

async function timeConcurrent(count: number, concurrency: number, op: (i: number) => Promise<void>, into: Timings = { latencies: [], seconds: 0 }): Promise<Timings> {
  let next = 0;
  const start = now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = now();
        await op(i);
        into.latencies.push(now() - t);
      }
    }),
  );
  into.seconds += (now() - start) / 1000;
  return into;
}

async function runConcurrent(count: number, concurrency: number, op: (i: number) => Promise<void>): Promise<Stats> {
  const t = await timeConcurrent(count, concurrency, op);
  return stats(t.latencies, t.seconds);
}

/** Sums of each process's CPU µs over one operation (all processes together). */
const totalCpu = (sample: Record<string, number>) => Object.values(sample).reduce((a, b) => a + b, 0);

/**
 * The 64 clients share the project's own keep-alive pool (what RestClient
 * uses): the clients run on the same 2 cores as the server, so a heavier
 * client would take CPU from the apiserver being measured.
 */
function client(ep: Endpoint) {
  const url = new URL(ep.url);
  const pool = new KeepAlivePool({ host: url.hostname, port: Number(url.port), secure: true, tls: { ca: ep.caPem, servername: 'localhost' } });
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { Authorization: `Bearer ${ep.token}`, Accept: 'application/json' };
    if (payload) headers['Content-Type'] = 'application/json';
    const res = await pool.request({ method, path, headers, body: payload });
    return { status: res.status, text: res.body.toString('utf8') };
  };
  return { call, close: () => pool.close() };
}

/** An etcd, a `kapstan server` on it, the bench's API client and the raw etcd3 client. */
async function startSystem(serverArgs: string[]) {
  const etcd = await startTestEtcd();
  const dataDir = mkdtempSync(join(tmpdir(), 'kap-bench-'));
  let server: Awaited<ReturnType<typeof spawnServer>> | undefined;
  try {
    server = await spawnServer({ dataDir, port: await freePort(), etcdEndpoint: etcd.endpoint, extraArgs: serverArgs });
  } catch (err) {
    await etcd.destroy();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const api = client(server);
  const raw = new Etcd3({ hosts: etcd.endpoint });
  return {
    etcd,
    server,
    api,
    raw,
    // CPU µs per operation of each process: robust to other load on the machine.
    pids: { apiserver: server.pid, etcd: etcd.pid, client: process.pid },
    async stop() {
      raw.close();
      api.close();
      await server!.kill('SIGTERM');
      await etcd.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

type System = Awaited<ReturnType<typeof startSystem>>;

const fail = (what: string, r: { status: number; text: string }): never => {
  throw new Error(`${what} failed: ${r.status} ${r.text.slice(0, 200)}`);
};

/** Creates through the apiserver against raw etcd3 puts of the same size, at the same concurrency. */
async function createsVersusPuts(sys: System) {
  const { api, raw, pids } = sys;
  const value = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'bench', uid: 'u' }, data: { k: 'v' } });
  const ns = await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  if (ns.status !== 201) fail('namespace', ns);
  // Warm up both paths: open every keep-alive connection (TLS handshakes) and let the JIT settle.
  await timeConcurrent(WARMUP, CONCURRENCY, (i) => raw.put(`/bench-raw/warm-${i}`).value(value).then(() => undefined));
  await runConcurrent(WARMUP, CONCURRENCY, async (i) => {
    const r = await api.call('POST', '/api/v1/namespaces/bench/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `warm-${i}` } });
    if (r.status !== 201) fail('warm-up', r);
  });
  // Raw puts and creates alternate in ROUNDS slices, so a burst of other load
  // on the machine falls on both sides of the ratio rather than on one.
  const rawTimes: Timings = { latencies: [], seconds: 0 };
  const createTimes: Timings = { latencies: [], seconds: 0 };
  const rawCpu: Record<string, number> = {};
  const createCpu: Record<string, number> = {};
  const add = (into: Record<string, number>, sample: Record<string, number>) => {
    for (const [k, v] of Object.entries(sample)) into[k] = (into[k] ?? 0) + v;
  };
  const slice = Math.ceil(OPS / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    let cpu = measureCpu(pids);
    await timeConcurrent(slice, CONCURRENCY, async (i) => {
      await raw.put(`/bench-raw/${r}-${i}`).value(value);
    }, rawTimes);
    add(rawCpu, cpu(slice * ROUNDS));
    cpu = measureCpu(pids);
    await timeConcurrent(slice, CONCURRENCY, async (i) => {
      const res = await api.call('POST', '/api/v1/namespaces/bench/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${r * slice + i}` }, data: { k: 'v' } });
      if (res.status !== 201) fail('create', res);
    }, createTimes);
    add(createCpu, cpu(slice * ROUNDS));
  }
  const rawPut = stats(rawTimes.latencies, rawTimes.seconds);
  const create = stats(createTimes.latencies, createTimes.seconds);
  return {
    baseline: { etcdPut: { ...rawPut, cpuMicrosPerOp: rawCpu } },
    create: { ...create, cpuMicrosPerOp: createCpu },
    ratios: {
      createVsEtcdPut: round(create.perSecond / rawPut.perSecond),
      // What the rate ratio tends to when every process is CPU-bound on a busy machine.
      cpuPerEtcdPutVsPerCreate: round(totalCpu(rawCpu) / totalCpu(createCpu)),
    },
  };
}

/**
 * The apiserver is measured alone (`--disable-controllers --disable-scheduler`),
 * as Kubernetes' apiserver benchmarks run it: the goal is about what the API
 * server adds to etcd. `kapstan server` also runs its controllers and
 * scheduler in the same process, and the garbage collector watches every
 * kind, so every create there is also one event parsed and cached by them:
 * the same creates against raw puts are measured again on such a server, on a
 * fresh etcd, and reported as `allInOneServer`.
 */
async function main(): Promise<void> {
  const sys = await startSystem(['--disable-controllers', '--disable-scheduler']);
  const watches: OpenWatch[] = [];
  let report: Record<string, unknown>;
  try {
    const { api, server, pids } = sys;
    const creates = await createsVersusPuts(sys);
    let cpu = measureCpu(pids);
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
    // Two event rates: `steady` leaves the machine time to deliver each event
    // to all watchers before the next (the latency a watcher sees), `burst`
    // sends one every 10 ms, faster than 2 cores can encrypt, send, receive and
    // parse 500 copies (~30 ms of CPU per event across the server and the
    // watchers' process), so its latency is mostly queueing.
    const watchDelivery = async (label: string, gapMs: number) => {
      const sentAt = new Map<string, number>();
      const deliveries: number[] = [];
      const cpu = measureCpu(pids);
      const start = now();
      const createLatencies: number[] = [];
      for (let i = 0; i < WATCH_EVENTS; i++) {
        const name = `w-${label}-${i}`;
        const t = now();
        sentAt.set(name, t);
        const r = await api.call('POST', '/api/v1/namespaces/bench/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'watch' } } });
        if (r.status !== 201) fail('watch create', r);
        createLatencies.push(now() - t);
        await new Promise((res) => setTimeout(res, gapMs));
      }
      await Promise.all(watches.map((w) => w.waitFor(WATCH_EVENTS, 60_000)));
      // CPU µs per event (its create plus its delivery to every watcher), per process.
      const cpuMicrosPerEvent = cpu(WATCH_EVENTS);
      for (const w of watches) {
        for (const e of w.events) {
          const sent = sentAt.get(e.object.metadata.name);
          if (sent !== undefined) deliveries.push(e.receivedAt - sent);
        }
        // 500 watchers' copies of every event would otherwise stay in this
        // process's heap, and its collection pauses would count as delivery time.
        w.events.length = 0;
      }
      // The creates' own latency is part of each delivery's (a slow write shows here first).
      const creates = stats(createLatencies, 1);
      return { watchers: WATCHERS, events: WATCH_EVENTS, eventGapMs: gapMs, ...stats(deliveries, (now() - start) / 1000), createP50ms: creates.p50ms, createP99ms: creates.p99ms, cpuMicrosPerEvent };
    };
    // Warm-up (JIT, buffers of 500 fresh connections), not reported.
    await watchDelivery('warm', WATCH_GAP_MS);
    const watch = { steady: await watchDelivery('steady', WATCH_GAP_MS), burst: await watchDelivery('burst', 10) };
    report = {
      benchmark: 'api',
      server: 'kapstan server --disable-controllers --disable-scheduler',
      concurrency: CONCURRENCY,
      baseline: creates.baseline,
      create: creates.create,
      get: { ...get, cpuMicrosPerOp: getCpu },
      list: { ...list, itemsPerList: 100 },
      watchDelivery: watch,
      ratios: creates.ratios,
    };
  } finally {
    for (const w of watches) w.close();
    await sys.stop();
  }
  const allInOne = await startSystem([]);
  try {
    report.allInOneServer = { server: 'kapstan server (controllers and scheduler in the process)', ...(await createsVersusPuts(allInOne)) };
  } finally {
    await allInOne.stop();
  }
  report.goals = { createVsEtcdPut: 0.7, watchDeliverySteadyP99ms: 50 };
  console.log(JSON.stringify(report, null, 2));
}

async function currentRv(api: ReturnType<typeof client>): Promise<string> {
  const r = await api.call('GET', '/api/v1/namespaces/bench/configmaps?limit=1');
  return JSON.parse(r.text).metadata.resourceVersion;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
