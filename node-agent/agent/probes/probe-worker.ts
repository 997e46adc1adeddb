// One probe of one container attempt (pkg/kubelet/prober/worker.go): ticks every periodSeconds from the
// container's start, probes when the gate allows, records Unhealthy/ProbeWarning events and publishes
// the result through the thresholds. Stopped when its container stops or is replaced.
import type { HandlerOutcome } from './handler-runner';
import { nextProbeAt, ProbeTracker, shouldProbe, type ProbeResult } from './probe-state';
import { probeTimings, probeTypeTitle, type Probe, type ProbeTimings, type ProbeType } from './probe-types';

export interface ProbeWorkerDeps {
  run(probe: Probe, timeoutMs: number): Promise<HandlerOutcome>;
  /** The container's startup probe has succeeded (or it has none). */
  isStarted(): boolean;
  /** The published result changed. */
  onChange(worker: ProbeWorker): void;
  event(type: 'Warning', reason: string, message: string): void;
  now(): number;
}

export class ProbeWorker {
  readonly tracker: ProbeTracker;
  private readonly timings: ProbeTimings;
  private timer?: NodeJS.Timeout;
  private probing = false;
  private again = false;
  private stopped = false;

  constructor(
    readonly type: ProbeType, readonly probe: Probe, readonly containerId: string,
    private readonly startedAt: number, private readonly deps: ProbeWorkerDeps, initial?: ProbeResult,
  ) {
    this.timings = probeTimings(probe);
    this.tracker = new ProbeTracker(type, this.timings, initial);
  }

  /** The first tick is at once (the kubelet probes a new container without waiting a period). */
  start(): void {
    this.schedule(this.deps.now());
  }

  /** Probes now instead of at the next tick (e.g. liveness and readiness once startup succeeded). */
  trigger(): void {
    if (this.stopped) return;
    if (this.probing) {
      this.again = true;
      return;
    }
    this.schedule(this.deps.now());
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(at: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), Math.max(0, at - this.deps.now()));
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const tickAt = this.deps.now();
    this.probing = true;
    try {
      const gate = {
        type: this.type, now: tickAt, startedAt: this.startedAt, initialDelayMs: this.timings.initialDelayMs,
        started: this.deps.isStarted(), onHold: this.tracker.onHold,
      };
      if (shouldProbe(gate)) await this.probeOnce();
    } finally {
      this.probing = false;
      if (!this.stopped) this.schedule(this.again ? this.deps.now() : nextProbeAt(tickAt, this.startedAt, this.timings));
      this.again = false;
    }
  }

  private async probeOnce(): Promise<void> {
    const outcome = await this.deps.run(this.probe, this.timings.timeoutMs);
    if (this.stopped) return;
    const title = probeTypeTitle(this.type);
    if (outcome.kind === 'skipped') return;
    if (outcome.kind === 'error') {
      // The prober could not run the probe: the result is thrown away, as the kubelet does.
      this.deps.event('Warning', 'Unhealthy', `${title} probe errored: ${outcome.output}`);
      return;
    }
    if (outcome.kind === 'failure') this.deps.event('Warning', 'Unhealthy', `${title} probe failed: ${outcome.output}`);
    if (outcome.kind === 'warning') this.deps.event('Warning', 'ProbeWarning', `${title} probe warning: ${outcome.output}`);
    if (this.tracker.observe(outcome.kind === 'failure' ? 'failure' : 'success')) this.deps.onChange(this);
  }
}
