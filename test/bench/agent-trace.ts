// Preloaded into the agent (node -r) by `BENCH_TRACE=1 npm run bench:agent`: times the steps of the pod
// sync path by wrapping them, samples event-loop lag, GC pauses and libuv thread-pool round trips, and
// writes it all to $KAPSTAN_AGENT_TRACE every second. The bench summarizes it over the pod-start window
// (summarizeTrace). Diagnosis only: the wrappers cost a little and nothing in the agent depends on them.
import { stat, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';

/** [step, pod uid (when the first argument names one), start ms, duration ms] */
type Step = [string, string | undefined, number, number];

export interface AgentTrace {
  steps: Step[];
  /** [tick start ms, how much later than 50 ms the tick ran] */
  lag: [number, number][];
  gc: [number, number][];
  /** [start ms, fs.stat round trip ms] */
  threadPool: [number, number][];
}

const TRACED: Array<[string, string, string[]]> = [
  ['node-agent/agent/pod-sync', 'PodSyncer', ['syncPod', 'podIP', 'preparePod', 'startContainer', 'report']],
  ['node-agent/agent/container-runtime', 'ContainerRuntime', ['savePod', 'ensureSandbox', 'startContainer', 'readPodState']],
  ['node-agent/network/bridge-network', 'BridgeNetwork', ['setUp']],
  ['node-agent/network/host-local-ipam', 'HostLocalIpam', ['allocate']],
  ['node-agent/images/image-service', 'ImageService', ['ensureImage']],
  ['node-agent/runtime/shim-client', 'ShimClient', ['create']],
  ['client/node-client', 'NodeClient', ['reportPodStatus', 'recordEvent']],
];

function install(file: string): void {
  const dist = join(__dirname, '..', '..');
  const trace: AgentTrace = { steps: [], lag: [], gc: [], threadPool: [] };
  const uidOf = (arg: unknown): string | undefined => {
    const a = arg as { metadata?: { uid?: string }; uid?: string } | undefined;
    return a?.metadata?.uid ?? a?.uid ?? (typeof arg === 'string' ? arg : undefined);
  };
  for (const [mod, cls, methods] of TRACED) {
    const proto = (require(join(dist, mod)) as Record<string, { prototype: Record<string, unknown> }>)[cls].prototype;
    for (const name of methods) {
      const original = proto[name] as (...args: unknown[]) => unknown;
      proto[name] = function (this: unknown, ...args: unknown[]) {
        const start = performance.now();
        const done = () => trace.steps.push([`${cls}.${name}`, uidOf(args[0]), Math.round(start), Math.round(performance.now() - start)]);
        const result = original.apply(this, args);
        if (result instanceof Promise) result.then(done, done);
        else done();
        return result;
      };
    }
  }
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) trace.gc.push([Math.round(e.startTime), Math.round(e.duration * 10) / 10]);
  }).observe({ entryTypes: ['gc'] });
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    trace.lag.push([Math.round(last), Math.round(now - last - 50)]);
    last = now;
    const start = now;
    stat('/', () => trace.threadPool.push([Math.round(start), Math.round((performance.now() - start) * 10) / 10]));
  }, 50).unref();
  const dump = () => writeFileSync(file, JSON.stringify(trace));
  setInterval(dump, 1000).unref();
  process.on('exit', dump);
}

const pct = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

/** Per-step p50/p90/p99/max and the loop/GC/thread-pool figures between the first sync and the last pod's first report. */
export function summarizeTrace(trace: AgentTrace): Record<string, unknown> {
  const syncs = trace.steps.filter((s) => s[0] === 'PodSyncer.syncPod');
  const firstReport = new Map<string, number>();
  for (const s of trace.steps) if (s[0] === 'NodeClient.reportPodStatus' && s[1] && !firstReport.has(s[1])) firstReport.set(s[1], s[2] + s[3]);
  const from = Math.min(...syncs.map((s) => s[2]));
  const to = Math.max(...firstReport.values());
  const within = <T extends [number, ...unknown[]]>(rows: T[]) => rows.filter((r) => r[0] >= from && r[0] <= to);
  const durations = new Map<string, number[]>();
  for (const s of trace.steps.filter((x) => x[2] >= from && x[2] <= to)) durations.set(s[0], [...(durations.get(s[0]) ?? []), s[3]]);
  const steps = Object.fromEntries([...durations].sort().map(([name, d]) => [name, { n: d.length, p50: pct(d, 0.5), p90: pct(d, 0.9), p99: pct(d, 0.99), max: Math.max(...d) }]));
  const lag = within(trace.lag).map((r) => r[1]);
  const gc = within(trace.gc).map((r) => r[1]);
  const pool = within(trace.threadPool).map((r) => r[1]);
  return {
    windowMs: Math.round(to - from),
    stepsMs: steps,
    eventLoopLagMs: { p50: pct(lag, 0.5), p99: pct(lag, 0.99), max: Math.max(0, ...lag) },
    gcPausesMs: { count: gc.length, total: Math.round(gc.reduce((a, b) => a + b, 0)), max: Math.max(0, ...gc) },
    threadPoolRoundTripMs: { p50: pct(pool, 0.5), p99: pct(pool, 0.99) },
  };
}

if (process.env.KAPSTAN_AGENT_TRACE && process.argv.includes('agent')) install(process.env.KAPSTAN_AGENT_TRACE);
