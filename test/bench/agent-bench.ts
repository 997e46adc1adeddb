// `npm run bench:agent`: pod start latency through the whole system (pod
// created → Running seen by a watch; image already present; pods are created
// with spec.nodeName so the scheduler is not part of it) over N pods at a
// steady rate, the agent's RSS idle and with those pods, and in the same run
// the baseline: the same busybox bundle started directly with `crun run -d`.
// Prints one JSON document.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, openSync, closeSync, existsSync, readdirSync, rmdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startTestEtcd } from '../harness/etcd';
import { freePort } from '../harness/ports';
import { spawnServer } from '../harness/server-process';
import { request, openWatch } from '../harness/http';
import { createSandbox, waitFor } from '../fixtures/runtime/container-sandbox';
import { stopEverythingUnder } from '../harness/cleanup';
import { NodePodNetwork } from '../../node-agent/network/node-pod-network';
import { DnsAddress } from '../../node-agent/dns/dns-address';
import { DEFAULT_CLUSTER_DNS_IP } from '../../node-agent/dns/cluster-dns';
import { ServiceProxy } from '../../node-agent/network/service-proxy';
import { summarizeTrace, type AgentTrace } from './agent-trace';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..', '..');
const PODS = Number(process.env.BENCH_PODS ?? 100);
const RATE = Number(process.env.BENCH_PODS_PER_SECOND ?? 10);
const CRUN_RUNS = Number(process.env.BENCH_CRUN_RUNS ?? 20);
const TRACE = process.env.BENCH_TRACE === '1';
const NODE = 'kapbench';
/** A small young generation: the agent's objects are short-lived, and V8's default (up to 2 × 16 MiB) is a third of its memory. */
const AGENT_NODE_OPTIONS = '--max-semi-space-size=2';

const round = (n: number) => Math.round(n * 100) / 100;
function percentiles(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { count: s.length, p50ms: round(at(0.5)), p99ms: round(at(0.99)), maxms: round(s[s.length - 1] ?? 0) };
}

/** utime+stime of the process, and of its children it has waited for, in µs (fields 14–17 of /proc/PID/stat). */
function cpuMicros(pid: number): { self: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  const us = (ticks: number) => (ticks * 1_000_000) / 100; // USER_HZ
  return { self: us(f[11] + f[12]), children: us(f[13] + f[14]) };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? round(Number(m[1]) / 1024) : 0;
}

/** The same bundle under crun: `run -d` until the process exists, then delete. */
async function crunBaseline(): Promise<ReturnType<typeof percentiles> | { skipped: string }> {
  if (!existsSync('/usr/bin/crun')) return { skipped: 'crun is not installed (apt-get install -y crun)' };
  const sb = await createSandbox('bench-crun');
  const root = join(sb.root, 'crun-state');
  const crun = (args: string[]): [string, string[]] => {
    // crun refuses hybrid hosts whose unified hierarchy holds controllers; hide it in a private mount namespace.
    const unified = '/sys/fs/cgroup/unified';
    if (!existsSync(join(unified, 'cgroup.controllers'))) return ['/usr/bin/crun', args];
    const quoted = ['/usr/bin/crun', ...args].map((a) => `'${a}'`).join(' ');
    return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `umount ${unified} && exec ${quoted}`]];
  };
  const times: number[] = [];
  try {
    await sb.writeSpec({ args: ['sleep', '3600'], hostname: 'bench' });
    for (let i = 0; i < CRUN_RUNS; i++) {
      const id = `kap-bench-crun-${process.pid}-${i}`;
      const t = performance.now();
      const [cmd, args] = crun(['--root', root, 'run', '--detach', '--bundle', sb.bundleDir, id]);
      // The detached container inherits crun's stdio: give it none, or waiting for crun waits for the container.
      await new Promise<void>((res, rej) => {
        const p = spawn(cmd, args, { stdio: 'ignore' });
        p.once('error', rej);
        p.once('exit', (code) => (code === 0 ? res() : rej(new Error(`crun run exited with ${code}`))));
      });
      times.push(performance.now() - t);
      const [dcmd, dargs] = crun(['--root', root, 'delete', '--force', id]);
      await run(dcmd, dargs).catch(() => undefined);
    }
  } finally {
    for (let i = 0; i < CRUN_RUNS; i++) {
      const [dcmd, dargs] = crun(['--root', root, 'delete', '--force', `kap-bench-crun-${process.pid}-${i}`]);
      await run(dcmd, dargs).catch(() => undefined);
    }
    await stopEverythingUnder(sb.root);
    await sb.cleanup();
  }
  return percentiles(times);
}

async function main(): Promise<void> {
  const ipForward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  let loadAtStart: number[] = [];
  let failed = false;
  const etcd = await startTestEtcd();
  const dir = mkdtempSync(join(tmpdir(), 'kap-agentbench-'));
  const serverDir = join(dir, 'server');
  const agentDir = join(dir, 'agent');
  let agentPid: number | undefined;
  let server: Awaited<ReturnType<typeof spawnServer>> | undefined;
  try {
    const api = await spawnServer({ dataDir: serverDir, port: await freePort(), etcdEndpoint: etcd.endpoint });
    server = api;
    await run(process.execPath, [join(ROOT, 'scripts', 'images-base.mjs'), '--out', join(dir, 'base'), '--import', join(agentDir, 'images')]);
    const log = openSync(join(dir, 'agent.log'), 'a');
    // The V8 flags the agent's systemd unit (manifests/systemd/kapstan-agent.service) runs it with.
    // BENCH_TRACE=1: per-step timings, event-loop lag, GC and thread-pool figures from inside the agent (agent-trace.ts).
    const traceFile = TRACE ? join(dir, 'agent-trace.json') : undefined;
    const preload = traceFile ? `-r ${join(__dirname, 'agent-trace.js')}` : '';
    const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${AGENT_NODE_OPTIONS} ${preload}`.trim(), ...(traceFile ? { KAPSTAN_AGENT_TRACE: traceFile } : {}) };
    const agent = spawn(process.execPath, [join(ROOT, 'bin', 'kapstan'), 'agent', '--server', api.url, '--token-file', join(serverDir, 'node-token'), '--data-dir', agentDir, '--node-name', NODE], { stdio: ['ignore', log, log], env });
    closeSync(log);
    agentPid = agent.pid!;
    await waitFor('node Ready', async () => {
      const r = await request(api, 'GET', `/api/v1/nodes/${NODE}`);
      return r.status === 200 && r.body.status.conditions.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
    }, 30_000);
    await new Promise((r) => setTimeout(r, 2000));
    const rssIdle = rssMiB(agentPid);

    const created = new Map<string, number>();
    loadAtStart = loadavg().map(round);
    const cpuAtStart = cpuMicros(agentPid);
    const running = new Map<string, number>();
    const rv = (await request(api, 'GET', '/api/v1/namespaces/default/pods?limit=1')).body.metadata.resourceVersion;
    const w = await openWatch(api, `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}&fieldSelector=spec.nodeName%3D${NODE}`);
    const seen = setInterval(() => {
      for (const e of w.events) {
        const name = e.object.metadata.name;
        if (e.object.status?.phase === 'Running' && !running.has(name)) running.set(name, e.receivedAt);
      }
    }, 5);
    for (let i = 0; i < PODS; i++) {
      const name = `bench-${i}`;
      const due = i * (1000 / RATE);
      const started = created.size ? [...created.values()][0] : performance.now();
      const wait = started + due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      created.set(name, performance.now());
      const r = await request(api, 'POST', '/api/v1/namespaces/default/pods', {
        body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox:1.35', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] } },
      });
      if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.text}`);
    }
    try {
      await waitFor('every pod Running', () => running.size >= PODS, 120_000);
    } finally {
      clearInterval(seen);
      w.close();
    }
    const rssWithPods = rssMiB(agentPid);
    const cpu = cpuMicros(agentPid);
    // CPU per pod does not move with other load on the shared machine; latencies do.
    const cpuPerPodMs = {
      agent: round((cpu.self - cpuAtStart.self) / 1000 / PODS),
      waitedChildren: round((cpu.children - cpuAtStart.children) / 1000 / PODS),
    };
    let trace: Record<string, unknown> | undefined;
    if (traceFile) {
      await new Promise((r) => setTimeout(r, 1500)); // the agent writes its trace every second
      trace = summarizeTrace(JSON.parse(readFileSync(traceFile, 'utf8')) as AgentTrace);
    }
    const latencies = [...created].map(([name, t]) => running.get(name)! - t);

    // Clean up the pods through the system, then measure the baseline.
    await request(api, 'DELETE', '/api/v1/namespaces/default/pods', { body: { gracePeriodSeconds: 1 } });
    await waitFor('pods gone', async () => (await request(api, 'GET', '/api/v1/namespaces/default/pods')).body.items.length === 0, 120_000);
    const crun = await crunBaseline();

    const p = percentiles(latencies);
    console.log(
      JSON.stringify(
        {
          benchmark: 'agent',
          pods: PODS,
          podsPerSecond: RATE,
          podStartLatency: p,
          baseline: { crunRunDetach: crun },
          ratios: 'p50ms' in crun ? { p50VsCrun: round(p.p50ms / crun.p50ms), p99VsCrun: round(p.p99ms / crun.p99ms) } : {},
          agentRssMiB: { idle: rssIdle, withPods: rssWithPods },
          // From creating the first pod until every pod runs; children = ip, mount, unshare, shim create (not the monitors).
          agentCpuPerPodMs: cpuPerPodMs,
          goals: { p50ms: 150, p99ms: 500, rssIdleMiB: 60, rssWith100PodsMiB: 120 },
          // The machine is shared: 1/5/15-minute load averages when the pods were created and at the end.
          loadAverage: { atStart: loadAtStart, atEnd: loadavg().map(round) },
          ...(trace ? { agentTrace: trace } : {}),
        },
        null,
        2,
      ),
    );
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    if (agentPid) {
      try {
        process.kill(agentPid, 'SIGTERM');
      } catch {
        // gone
      }
    }
    await server?.kill('SIGTERM');
    await etcd.destroy();
    // Containers outlive their agent by design: stop whatever a failed run left, by PID.
    await stopEverythingUnder(dir);
    // The agent set up this node's network (as `kapstan agent` does); take it down again.
    await new ServiceProxy().remove().catch(() => undefined);
    await new NodePodNetwork({ dataDir: agentDir }).removeNode().catch(() => undefined);
    await new DnsAddress(DEFAULT_CLUSTER_DNS_IP).remove().catch(() => undefined);
    writeFileSync('/proc/sys/net/ipv4/ip_forward', ipForward);
    for (const c of safeList('/sys/fs/cgroup')) rmdirQuiet(join('/sys/fs/cgroup', c, 'kapstan'));
    // A failed run keeps the agent's log for diagnosis.
    if (failed) writeFileSync(join(tmpdir(), 'kap-agentbench-last-agent.log'), readFileSync(join(dir, 'agent.log')));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function rmdirQuiet(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // absent, or still holds another agent's pods
  }
}
