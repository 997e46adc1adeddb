// Scheduler throughput and latency through a real apiserver (its own process)
// and etcd, with simulated nodes. Prints one JSON document:
//   node dist/test/scheduler/scheduler-bench.js
// Sizes: BENCH_SCHED_CASES="1000x10000,5000x10000" (nodes x pods), BENCH_CONCURRENCY (pod creates in flight),
// BENCH_STREAM_PODS (pods of the latency phase, 2000).
// `podsPerSecond` is the scheduler placing a backlog of `pods` pending pods (as
// kube-scheduler's scheduler_perf measures throughput: pod creation is not what
// is timed). `withCreates` times pods created while the scheduler runs, from
// each create to its binding; on 2 cores the creates compete for the same CPU.
// `rawBinding` is the apiserver's binding rate with no scheduling logic, measured in the same run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findByKind, resourcePath } from '../../api/resources';
import { RestClient } from '../../client/rest-client';
import { startScheduler } from '../../scheduler';
import { startTestEtcd } from '../harness/etcd';
import { freePort } from '../harness/ports';
import { spawnServer } from '../harness/server-process';
import { makeNode, makePod } from './builders';
import { measureCpu } from '../bench/process-cpu';

const PODS = findByKind('v1', 'Pod')!;
const NODES = findByKind('v1', 'Node')!;
const NAMESPACES = findByKind('v1', 'Namespace')!;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const STREAM_PODS = Number(process.env.BENCH_STREAM_PODS ?? 2000);
const CASES = (process.env.BENCH_SCHED_CASES ?? '1000x10000,5000x10000').split(',').map((c) => c.split('x').map(Number) as [number, number]);
const SCHEDULER_NAME = 'bench-scheduler';

const round = (n: number) => Math.round(n * 100) / 100;
const now = () => performance.now();

function percentile(sorted: number[], q: number): number {
  return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
}

async function runConcurrent(count: number, concurrency: number, op: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await op(next++);
    }),
  );
  return (now() - start) / 1000;
}

async function benchCase(client: RestClient, pids: Record<string, number>, nodes: number, pods: number, caseIndex: number) {
  const ns = `bench-${caseIndex}`;
  await client.create(NAMESPACES, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const zone = (i: number) => `zone-${i % 3}`;
  await runConcurrent(nodes, CONCURRENCY, async (i) => {
    const node = makeNode(`c${caseIndex}-node-${i}`).capacity({ cpu: '32', memory: '128Gi', pods: '110' }).label('bench-case', String(caseIndex)).label('topology.kubernetes.io/zone', zone(i)).obj();
    await client.create(NODES, undefined, node);
  });

  // Raw binding rate: unscheduled pods bound directly, no scheduling logic.
  const rawCount = Math.min(pods, 2000);
  await runConcurrent(rawCount, CONCURRENCY, async (i) => {
    await client.create(PODS, ns, makePod(`raw-${i}`, ns).schedulerName('nobody').manifest());
  });
  const rawCpu = measureCpu(pids);
  const rawSeconds = await runConcurrent(rawCount, CONCURRENCY, async (i) => {
    await client.json('POST', resourcePath(PODS, ns, `raw-${i}`, 'binding'), {
      body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: `raw-${i}` }, target: { kind: 'Node', name: `c${caseIndex}-node-${i % nodes}` } },
    });
  });

  const rawCpuPerBinding = rawCpu(rawCount);

  // Phase 1, throughput: a backlog of `pods` pending pods, then the scheduler
  // starts and places them all (scheduling and binding, as the raw rate is
  // bindings only). Phase 2, latency: with the scheduler running, more pods
  // arrive from CONCURRENCY creators and each is timed from its create to its binding.
  const manifest = (name: string) =>
    makePod(name, ns)
      .schedulerName(SCHEDULER_NAME)
      .requests({ cpu: '100m', memory: '128Mi' })
      // Earlier cases' nodes are excluded through node affinity.
      .requiredNodeAffinity({ key: 'bench-case', operator: 'In', values: [String(caseIndex)] })
      .manifest();
  await runConcurrent(pods, CONCURRENCY, (i) => client.create(PODS, ns, manifest(`p-${i}`)).then(() => undefined));

  const streamPods = Math.min(pods, STREAM_PODS);
  const createdAt = new Map<string, number>();
  const latencies: number[] = [];
  let bound = 0;
  let lastBound = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const boundCount = (count: number) => {
    let timer: NodeJS.Timeout | undefined;
    const reached = new Promise<void>((resolve) => (bound >= count ? resolve() : waiters.push({ count, resolve })));
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${bound}/${count} pods bound in 300 s`)), 300_000)));
    return Promise.race([reached, timeout]).finally(() => clearTimeout(timer));
  };
  const cpu = measureCpu(pids);
  const started = now();
  const running = await startScheduler({
    client,
    log: () => {},
    leaderElection: false,
    config: { profiles: [{ schedulerName: SCHEDULER_NAME }] },
    onBound: (pod) => {
      const t = now();
      const created = createdAt.get(pod.metadata.name ?? '');
      if (created !== undefined) latencies.push(t - created);
      lastBound = t;
      bound++;
      for (const w of [...waiters]) if (bound >= w.count) waiters.splice(waiters.indexOf(w), 1) && w.resolve();
    },
  });
  try {
    await boundCount(pods);
    const seconds = (lastBound - started) / 1000;
    // CPU µs per pod of each process (scheduling and binding): robust to other load.
    const cpuPerPod = cpu(pods);

    const firstCreate = now();
    await runConcurrent(streamPods, CONCURRENCY, async (i) => {
      const name = `s-${i}`;
      createdAt.set(name, now());
      await client.create(PODS, ns, manifest(name));
    });
    await boundCount(pods + streamPods);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      nodes,
      pods,
      podsPerSecond: round(pods / seconds),
      seconds: round(seconds),
      cpuMicrosPerPod: cpuPerPod,
      withCreates: {
        pods: streamPods,
        podsPerSecond: round(streamPods / ((lastBound - firstCreate) / 1000)),
        p50ms: percentile(sorted, 0.5),
        p99ms: percentile(sorted, 0.99),
      },
      rawBinding: { pods: rawCount, perSecond: round(rawCount / rawSeconds), cpuMicrosPerBinding: rawCpuPerBinding },
      // Scheduled pods per second ÷ bare bindings per second: what placing costs on top of binding.
      ratioToRawBinding: round(pods / seconds / (rawCount / rawSeconds)),
    };
  } finally {
    await running.stop();
  }
}

async function main(): Promise<void> {
  const etcd = await startTestEtcd();
  const dataDir = mkdtempSync(join(tmpdir(), 'kap-sched-bench-'));
  // The apiserver alone, as scheduler_perf runs it: the in-process node lifecycle
  // controller would mark these agentless nodes unreachable after 40 s and taint them mid-run.
  const server = await spawnServer({ dataDir, port: await freePort(), etcdEndpoint: etcd.endpoint, extraArgs: ['--disable-controllers', '--disable-scheduler'] });
  const client = new RestClient({ server: server.url, caPem: server.caPem, token: server.token });
  try {
    const results = [];
    // The bench process runs the pod creator and the scheduler.
    const pids = { apiserver: server.pid, etcd: etcd.pid, benchAndScheduler: process.pid };
    for (let i = 0; i < CASES.length; i++) results.push(await benchCase(client, pids, CASES[i][0], CASES[i][1], i));
    console.log(JSON.stringify({ benchmark: 'scheduler', concurrency: CONCURRENCY, cases: results, goals: { podsPerSecond: { '1000 nodes': 1000, '5000 nodes': 500 } } }, null, 2));
  } finally {
    client.close();
    await server.kill();
    await etcd.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
