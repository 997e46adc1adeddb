// Stopping containers as the kubelet's killContainer does: the preStop hook first (its time counted inside
// the grace period), then the container's stop signal (lifecycle.stopSignal / the image's StopSignal /
// SIGTERM), the rest of the grace period to exit, and SIGKILL to the whole cgroup after it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerRuntime } from './container-runtime';
import { runLifecycleHook } from './lifecycle-hooks';
import type { ContainerTarget } from './probes/handler-runner';
import type { ContainerSpec, Pod } from './pod-types';
import { isRunning, type ContainerAttempt } from './runtime-state';
import { stopSignalOf } from './stop-signal';

/** After a preStop hook the container still gets this long to handle its stop signal (the kubelet's minimum). */
const MIN_GRACE_AFTER_HOOK_S = 2;

export interface ContainerStopOptions {
  runtime: ContainerRuntime;
  /** Where a hook of this attempt runs and connects. */
  target(pod: Pod, a: ContainerAttempt, spec: ContainerSpec | undefined): ContainerTarget;
  event(pod: Pod, container: string, type: 'Normal' | 'Warning', reason: string, message: string): void;
  stopPollMs?: number;
  killTimeoutMs?: number;
}

export interface StopRequest {
  attempt: ContainerAttempt;
  graceSeconds: number;
}

function specOf(pod: Pod, name: string): ContainerSpec | undefined {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === name);
}

/** Stops the attempts concurrently, each within its own grace period; resolves once all are recorded as stopped. */
export async function stopContainers(o: ContainerStopOptions, pod: Pod, requests: StopRequest[], signal: AbortSignal): Promise<void> {
  const uid = pod.metadata.uid!;
  const poll = o.stopPollMs ?? 100;
  const stillRunning = async (a: ContainerAttempt) =>
    (await o.runtime.readPodState(uid)).some((x) => x.containerId === a.containerId && isRunning(x));

  const stopOne = async ({ attempt: a, graceSeconds }: StopRequest): Promise<void> => {
    let grace = graceSeconds;
    const spec = specOf(pod, a.name);
    const preStop = spec?.lifecycle?.preStop;
    if (grace > 0 && preStop) {
      const started = Date.now();
      const ns = pod.metadata.namespace ?? 'default';
      const failure = await runLifecycleHook(preStop, {
        shim: o.runtime.shim, target: o.target(pod, a, spec), container: a.name, pod: `${ns}/${pod.metadata.name}`,
        timeoutMs: grace * 1000, signal,
      });
      if (failure) o.event(pod, a.name, 'Warning', 'FailedPreStopHook', failure);
      grace = Math.max(MIN_GRACE_AFTER_HOOK_S, grace - Math.floor((Date.now() - started) / 1000));
    }
    await o.runtime.signal(uid, a, grace > 0 ? stopSignalOf(a.stopSignal) : 'SIGKILL', grace === 0);
    const deadline = Date.now() + grace * 1000;
    let running = grace > 0;
    while (running && Date.now() < deadline && !signal.aborted) {
      await sleep(poll);
      running = await stillRunning(a);
    }
    if (await stillRunning(a)) await o.runtime.signal(uid, a, 'SIGKILL', true);
  };

  await Promise.all(requests.map(stopOne));
  const killDeadline = Date.now() + (o.killTimeoutMs ?? 10_000);
  let left = requests.map((r) => r.attempt);
  for (;;) {
    const states = await o.runtime.readPodState(uid);
    left = left.filter((a) => states.some((x) => x.containerId === a.containerId && isRunning(x)));
    if (!left.length) return;
    if (Date.now() > killDeadline || signal.aborted) throw new Error(`pod ${uid}: containers ${left.map((a) => a.name).join(', ')} did not stop after SIGKILL`);
    await sleep(poll);
  }
}
