// The probe workers of every pod on the node (pkg/kubelet/prober/prober_manager.go): one per running
// container attempt and probe type, started when the attempt runs and stopped when it stops or is
// replaced. Their published results feed the pod status (started/ready) and the pod sync (liveness and
// startup failures kill the container).
import { readShimState, type ShimClient } from '../../runtime/shim-client';
import type { Pod } from '../pod-types';
import { runProbeHandler, type ContainerTarget, type HandlerOutcome } from './handler-runner';
import type { ProbeResult } from './probe-state';
import { ProbeWorker } from './probe-worker';
import { PROBE_TYPES, type Probe, type ProbeType } from './probe-types';

/** Published results per container id (an attempt), per probe type the container has. */
export type ProbeResults = Record<string, Partial<Record<ProbeType, ProbeResult>>>;

/** A running attempt of a container, as the pod sync sees it. */
export interface RunningContainer {
  name: string;
  containerId: string;
  /** ms since the epoch */
  startedAt: number;
  target: ContainerTarget;
  /** The status reported before (e.g. by an earlier agent process) already said started: no startup probing again. */
  started?: boolean;
}

export interface ProbeManagerOptions {
  shim: ShimClient;
  /** A worker's published result changed. */
  onChange(podUid: string, container: string, type: ProbeType, result: ProbeResult): void;
  event(pod: Pod, container: string, type: 'Warning', reason: string, message: string): void;
  now?: () => number;
  /** Runs a handler; runProbeHandler through the shim unless a test injects another. */
  run?: (probe: Probe, target: ContainerTarget, timeoutMs: number) => Promise<HandlerOutcome>;
}

async function stillRunning(stateDir: string): Promise<boolean> {
  return (await readShimState(stateDir).catch(() => null))?.status === 'running';
}

function probeOf(c: Record<string, unknown>, type: ProbeType): Probe | undefined {
  return c[`${type}Probe`] as Probe | undefined;
}

export class ProbeManager {
  /** pod uid → `${container}/${type}` → worker */
  private readonly pods = new Map<string, Map<string, ProbeWorker>>();

  constructor(private readonly o: ProbeManagerOptions) {}

  /** Starts workers for running attempts that have probes and stops those whose attempt is no longer running. */
  sync(pod: Pod, running: RunningContainer[]): void {
    const uid = pod.metadata.uid!;
    const workers = this.pods.get(uid) ?? new Map<string, ProbeWorker>();
    this.pods.set(uid, workers);
    const wanted = new Set<string>();
    for (const rc of running) {
      const spec = pod.spec.containers.find((c) => c.name === rc.name) as unknown as Record<string, unknown> | undefined;
      if (!spec) continue;
      for (const type of PROBE_TYPES) {
        const probe = probeOf(spec, type);
        if (!probe) continue;
        const key = `${rc.name}/${type}`;
        wanted.add(key);
        const existing = workers.get(key);
        if (existing?.containerId === rc.containerId) continue;
        existing?.stop();
        const worker = this.newWorker(pod, rc, type, probe, workers);
        workers.set(key, worker);
        worker.start();
      }
    }
    for (const [key, w] of workers) {
      if (wanted.has(key)) continue;
      w.stop();
      workers.delete(key);
    }
    if (!workers.size) this.pods.delete(uid);
  }

  results(podUid: string): ProbeResults {
    const out: ProbeResults = {};
    for (const w of this.pods.get(podUid)?.values() ?? []) (out[w.containerId] ??= {})[w.type] = w.tracker.result;
    return out;
  }

  /** Containers (by id) whose liveness or startup probe has failed: the pod sync kills them. */
  unhealthy(podUid: string): Record<string, 'liveness' | 'startup'> {
    const out: Record<string, 'liveness' | 'startup'> = {};
    for (const w of this.pods.get(podUid)?.values() ?? []) {
      if (w.type !== 'readiness' && w.tracker.result === 'failure') out[w.containerId] ??= w.type;
    }
    return out;
  }

  removePod(podUid: string): void {
    for (const w of this.pods.get(podUid)?.values() ?? []) w.stop();
    this.pods.delete(podUid);
  }

  stop(): void {
    for (const uid of [...this.pods.keys()]) this.removePod(uid);
  }

  private newWorker(pod: Pod, rc: RunningContainer, type: ProbeType, probe: Probe, workers: Map<string, ProbeWorker>): ProbeWorker {
    const uid = pod.metadata.uid!;
    const run = this.o.run ?? ((p, target, timeoutMs) => runProbeHandler(this.o.shim, p, target, timeoutMs));
    const sibling = (t: ProbeType) => {
      const w = workers.get(`${rc.name}/${t}`);
      return w?.containerId === rc.containerId ? w : undefined;
    };
    return new ProbeWorker(type, probe, rc.containerId, rc.startedAt, {
      // A container that stopped since the last sync is not probed: the next sync stops this worker.
      run: async (p, timeoutMs) => (await stillRunning(rc.target.stateDir) ? run(p, rc.target, timeoutMs) : { kind: 'skipped', output: '' }),
      // Liveness and readiness wait for the startup probe, when there is one.
      isStarted: () => {
        const startup = sibling('startup');
        return !startup || startup.tracker.result === 'success';
      },
      onChange: (w) => {
        if (w.type === 'startup' && w.tracker.result === 'success') {
          sibling('liveness')?.trigger();
          sibling('readiness')?.trigger();
        }
        this.o.onChange(uid, rc.name, w.type, w.tracker.result);
      },
      event: (t, reason, message) => this.o.event(pod, rc.name, t, reason, message),
      now: this.o.now ?? Date.now,
    }, type === 'startup' && rc.started ? 'success' : undefined);
  }
}
