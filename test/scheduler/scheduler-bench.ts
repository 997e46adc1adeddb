// Scheduler throughput and latency through a real apiserver (its own process)
// and etcd, with simulated nodes. Prints one JSON document:
//   node dist/test/scheduler/scheduler-bench.js
// Sizes: BENCH_SCHED_CASES="1000x10000,5000x10000" (nodes x pods), BENCH_CONCURRENCY (pod creates in flight).
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
  const createdAt = new Map<string, number>();
  const latencies: number[] = [];
  let firstCreate = 0;
  let lastBound = 0;
  let allBound!: () => void;
  const done = new Promise<void>((resolve) => (allBound = resolve));
  const running = await startScheduler({
    client,
    log: () => {},
    leaderElection: false,
    config: { profiles: [{ schedulerName: SCHEDULER_NAME }] },
    onBound: (pod) => {
      const t = now();
      latencies.push(t - (createdAt.get(pod.metadata.name ?? '') ?? t));
      lastBound = t;
      if (latencies.length === pods) allBound();
    },
  });
  // CPU µs per pod of each process (creates, scheduling, bindings): robust to other load.
  let cpu: ((ops: number) => Record<string, number>) | undefined;
  try {
    cpu = measureCpu(pids);
    firstCreate = now();
    await runConcurrent(pods, CONCURRENCY, async (i) => {
      const name = `p-${i}`;
      createdAt.set(name, now());
      // Earlier cases' nodes are excluded through node affinity.
      const pod = makePod(name, ns)
        .schedulerName(SCHEDULER_NAME)
        .requests({ cpu: '100m', memory: '128Mi' })
        .requiredNodeAffinity({ key: 'bench-case', operator: 'In', values: [String(caseIndex)] })
        .manifest();
      await client.create(PODS, ns, pod);
    });
    const createSeconds = (now() - firstCreate) / 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${latencies.length}/${pods} pods bound in 300 s`)), 300_000)));
    await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
    const cpuPerPod = cpu(pods);
    const seconds = (lastBound - firstCreate) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      nodes,
      pods,
      podsPerSecond: round(pods / seconds),
      seconds: round(seconds),
      createSeconds: round(createSeconds),
      p50ms: percentile(sorted, 0.5),
      p99ms: percentile(sorted, 0.99),
      cpuMicrosPerPod: cpuPerPod,
      rawBinding: { pods: rawCount, perSecond: round(rawCount / rawSeconds), cpuMicrosPerBinding: rawCpuPerBinding },
    };
  } finally {
    await running.stop();
  }
}

async function main(): Promise<void> {
  const etcd = await startTestEtcd();
  const dataDir = mkdtempSync(join(tmpdir(), 'kap-sched-bench-'));
  const server = await spawnServer({ dataDir, port: await freePort(), etcdEndpoint: etcd.endpoint });
  const client = new RestClient({ server: server.url, caPem: server.caPem, token: server.token });
  try {
    const results = [];
    // The bench process runs the pod creator and the scheduler.
    const pids = { apiserver: server.pid, etcd: etcd.pid, benchAndScheduler: process.pid };
    for (let i = 0; i < CASES.length; i++) results.push(await benchCase(client, pids, CASES[i][0], CASES[i][1], i));
    console.log(JSON.stringify({ concurrency: CONCURRENCY, cases: results }, null, 2));
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
