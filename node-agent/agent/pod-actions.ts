// What to do with a pod's containers given what runs now: the pure core of a sync
// (the kubelet's computePodActions in kuberuntime_manager.go). No effects, no clock of its own.
import { createHash } from 'node:crypto';
import { restartNotBefore, type BackoffPolicy } from './crash-backoff';
import { restartPolicyOf, type ContainerSpec, type Pod } from './pod-types';
import { isRunning, latestAttempt, type ContainerAttempt, type PodRuntimeState } from './runtime-state';

export interface ContainerStart {
  name: string;
  init: boolean;
  /** The attempt number to create (restartCount of the new run). */
  attempt: number;
}

export interface PodActions {
  /** Containers to create now: at most one init container, or every app container due. */
  start: ContainerStart[];
  /** Running containers the spec no longer has. */
  kill: string[];
  /** Running containers whose liveness or startup probe failed: stopped gracefully, then restarted per restartPolicy. */
  unhealthy: { name: string; probe: 'liveness' | 'startup'; message: string }[];
  /** Containers waiting out a crash back-off (CrashLoopBackOff). */
  backingOff: string[];
  /** When the earliest back-off ends (ms since the epoch): sync again then. */
  wakeAt?: number;
  /** Every container has finished and none will restart. */
  terminalPhase?: 'Succeeded' | 'Failed';
}

/** Identifies a container's spec: a running container whose spec changed (e.g. its image) is replaced. */
export function containerSpecHash(c: ContainerSpec): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical)
      : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
        : v;
  return createHash('sha256').update(JSON.stringify(canonical(c))).digest('hex').slice(0, 16);
}

/** Containers (by container id) whose liveness or startup probe has failed (ProbeManager.unhealthy). */
export type UnhealthyContainers = Record<string, 'liveness' | 'startup'>;

type Decision = { kind: 'wait' } | { kind: 'done'; ok: boolean } | { kind: 'start'; attempt: number } | { kind: 'backoff'; until: number };

/** Whether a stopped container runs again under the pod's restartPolicy (init containers never restart on success). */
export function shouldRestart(pod: Pod, last: ContainerAttempt, init: boolean): boolean {
  const policy = restartPolicyOf(pod);
  const failed = last.exitCode !== 0;
  if (init) return failed && policy !== 'Never';
  return policy === 'Always' || (policy === 'OnFailure' && failed);
}

function decide(pod: Pod, c: ContainerSpec, state: PodRuntimeState, init: boolean, now: number, backoff: BackoffPolicy): Decision {
  const last = latestAttempt(state, c.name);
  if (!last) return { kind: 'start', attempt: 0 };
  // A run the shim never recorded (the agent died mid-create) is replaced under the same number.
  if (last.status === 'unknown') return { kind: 'start', attempt: last.attempt };
  // The kubelet replaces a running container whose spec changed, whatever the restart policy.
  if (isRunning(last)) return last.specHash && last.specHash !== containerSpecHash(c) ? { kind: 'start', attempt: last.attempt + 1 } : { kind: 'wait' };
  if (!shouldRestart(pod, last, init)) return { kind: 'done', ok: last.exitCode === 0 };
  const until = restartNotBefore(last, backoff);
  return now >= until ? { kind: 'start', attempt: last.attempt + 1 } : { kind: 'backoff', until };
}

export function computePodActions(
  pod: Pod, state: PodRuntimeState, now: number, backoff: BackoffPolicy, unhealthy: UnhealthyContainers = {},
): PodActions {
  const actions: PodActions = { start: [], kill: [], unhealthy: [], backingOff: [] };
  const names = new Set([...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name));
  for (const a of state.attempts) {
    if (!names.has(a.name) && isRunning(a) && !actions.kill.includes(a.name)) actions.kill.push(a.name);
  }
  const noteBackoff = (name: string, until: number) => {
    actions.backingOff.push(name);
    actions.wakeAt = Math.min(actions.wakeAt ?? Infinity, until);
  };

  // Init containers run one at a time, in order, each to success.
  for (const c of pod.spec.initContainers ?? []) {
    const d = decide(pod, c, state, true, now, backoff);
    if (d.kind === 'done' && d.ok) continue;
    if (d.kind === 'done') actions.terminalPhase = 'Failed';
    if (d.kind === 'start') actions.start.push({ name: c.name, init: true, attempt: d.attempt });
    if (d.kind === 'backoff') noteBackoff(c.name, d.until);
    return actions;
  }

  let finished = 0;
  let failed = 0;
  for (const c of pod.spec.containers) {
    const d = decide(pod, c, state, false, now, backoff);
    const last = latestAttempt(state, c.name);
    const probe = d.kind === 'wait' && last ? unhealthy[last.containerId] : undefined;
    if (probe) {
      // The kubelet's wording; the restart itself follows once the container has stopped.
      const restarts = restartPolicyOf(pod) !== 'Never';
      actions.unhealthy.push({ name: c.name, probe, message: `Container ${c.name} failed ${probe} probe${restarts ? ', will be restarted' : ''}` });
    }
    if (d.kind === 'start') actions.start.push({ name: c.name, init: false, attempt: d.attempt });
    if (d.kind === 'backoff') noteBackoff(c.name, d.until);
    if (d.kind === 'done') {
      finished++;
      if (!d.ok) failed++;
    }
  }
  if (finished === pod.spec.containers.length) actions.terminalPhase = failed ? 'Failed' : 'Succeeded';
  return actions;
}
