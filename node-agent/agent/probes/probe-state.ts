// The pure part of a probe worker (pkg/kubelet/prober/worker.go): whether a tick probes at all, and how
// consecutive outcomes move the published result through successThreshold/failureThreshold.
import type { ProbeTimings, ProbeType } from './probe-types';

export type ProbeOutcome = 'success' | 'failure';
/** The published result; unknown until a startup probe has decided. */
export type ProbeResult = ProbeOutcome | 'unknown';

/** The kubelet's initial values: not ready until proven, alive until proven dead, startup undecided. */
export function initialResult(type: ProbeType): ProbeResult {
  return type === 'readiness' ? 'failure' : type === 'liveness' ? 'success' : 'unknown';
}

/** Consecutive outcomes against the thresholds; one tracker per container attempt and probe type. */
export class ProbeTracker {
  result: ProbeResult;
  /** A liveness/startup failure was published: the container is being killed, stop probing it. */
  onHold = false;
  private last?: ProbeOutcome;
  private run = 0;

  constructor(
    readonly type: ProbeType, private readonly timings: Pick<ProbeTimings, 'successThreshold' | 'failureThreshold'>,
    initial: ProbeResult = initialResult(type),
  ) {
    this.result = initial;
  }

  /** Records one probe outcome; true when the published result changed. */
  observe(outcome: ProbeOutcome): boolean {
    if (this.onHold) return false;
    if (outcome === this.last) this.run++;
    else {
      this.last = outcome;
      this.run = 1;
    }
    const threshold = outcome === 'success' ? this.timings.successThreshold : this.timings.failureThreshold;
    if (this.run < threshold) return false;
    const changed = this.result !== outcome;
    this.result = outcome;
    if (outcome === 'failure' && this.type !== 'readiness') {
      this.onHold = true;
      this.run = 0;
    }
    return changed;
  }
}

export interface GateInput {
  type: ProbeType;
  now: number;
  /** When the container started (ms since the epoch). */
  startedAt: number;
  initialDelayMs: number;
  /** The startup probe has succeeded (or there is none). */
  started: boolean;
  onHold: boolean;
}

/** Whether a probe runs at this tick: not before initialDelaySeconds, startup only until started, the rest only after. */
export function shouldProbe(g: GateInput): boolean {
  if (g.onHold) return false;
  if (g.now - g.startedAt < g.initialDelayMs) return false;
  return g.type === 'startup' ? !g.started : g.started;
}

/** When the next tick is due: one period after the last, but not later than the end of the initial delay. */
export function nextProbeAt(lastTick: number, startedAt: number, timings: Pick<ProbeTimings, 'periodMs' | 'initialDelayMs'>): number {
  const next = lastTick + timings.periodMs;
  const delayEnds = startedAt + timings.initialDelayMs;
  return delayEnds > lastTick ? Math.min(next, delayEnds) : next;
}
