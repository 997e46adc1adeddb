// A pod's status from its spec and runtime state: phase, conditions and container statuses as the kubelet
// reports them (generateAPIPodStatus, getPhase, convertToAPIContainerStatuses). Pure.
import { computePodActions } from './pod-actions';
import type { BackoffPolicy } from './crash-backoff';
import { restartDelayMs } from './crash-backoff';
import { restartPolicyOf, type ContainerSpec, type Pod } from './pod-types';
import { attemptsOf, isRunning, succeeded, type ContainerAttempt, type PodRuntimeState } from './runtime-state';
import type { ProbeResults } from './probes/probe-manager';

export const CONTAINER_ID_SCHEME = 'kapstan://';

export interface PodStatusContext {
  now: number;
  backoff: BackoffPolicy;
  hostIP?: string;
  podIP?: string;
  /** The status last reported, so conditions keep their lastTransitionTime and startTime stays put. */
  previous?: PodStatus;
  /** Published probe results by container id: a startup probe decides `started`, a readiness probe `ready`. */
  probes?: ProbeResults;
}

export interface PodCondition {
  type: 'PodScheduled' | 'Initialized' | 'ContainersReady' | 'Ready';
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime: string;
}

export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: {
    exitCode: number; signal?: number; reason: string; startedAt: string | null; finishedAt: string | null; containerID: string;
  };
}

export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState;
}

export interface PodStatus {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  conditions: PodCondition[];
  hostIP?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses: ContainerStatus[];
}

function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function terminatedState(a: ContainerAttempt): ContainerState {
  const reason = a.oomKilled ? 'OOMKilled' : a.exitCode === 0 ? 'Completed' : 'Error';
  const terminated: NonNullable<ContainerState['terminated']> = {
    exitCode: a.exitCode ?? 128 + a.signal, reason, startedAt: a.startedAt, finishedAt: a.finishedAt,
    containerID: CONTAINER_ID_SCHEME + a.containerId,
  };
  if (a.signal) terminated.signal = a.signal;
  return { terminated };
}

function containerStatus(
  c: ContainerSpec, state: PodRuntimeState, ctx: PodStatusContext, backingOff: boolean, waitingReason: string,
): ContainerStatus {
  const attempts = attemptsOf(state, c.name).filter((a) => a.status !== 'unknown');
  const last = attempts.at(-1);
  const previous = attempts.at(-2);
  const status: ContainerStatus = {
    name: c.name, image: c.image, imageID: last?.imageId ?? '', ready: false, started: false,
    restartCount: last?.attempt ?? 0, state: {}, lastState: {},
  };
  if (last) status.containerID = CONTAINER_ID_SCHEME + last.containerId;
  const startError = state.startErrors[c.name];
  if (last && isRunning(last)) {
    status.state = { running: { startedAt: last.startedAt ?? iso(ctx.now) } };
    // Without a startup probe a running container has started; without a readiness probe it is ready once started.
    const results = ctx.probes?.[last.containerId] ?? {};
    status.started = !c.startupProbe || results.startup === 'success';
    status.ready = status.started && (!c.readinessProbe || results.readiness === 'success');
    if (previous) status.lastState = terminatedState(previous);
  } else if (last && backingOff) {
    const delay = Math.round(restartDelayMs(last, ctx.backoff) / 1000);
    status.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${delay}s restarting failed container=${c.name}` } };
    status.lastState = terminatedState(last);
  } else if (startError) {
    status.state = { waiting: { reason: startError.reason, message: startError.message } };
    if (last) status.lastState = terminatedState(last);
  } else if (last) {
    status.state = terminatedState(last);
    if (previous) status.lastState = terminatedState(previous);
  } else {
    status.state = { waiting: { reason: waitingReason } };
  }
  return status;
}

function condition(
  type: PodCondition['type'], ok: boolean, ctx: PodStatusContext, reason?: string, message?: string,
): PodCondition {
  const before = ctx.previous?.conditions.find((c) => c.type === type);
  const status = ok ? 'True' : 'False';
  const c: PodCondition = {
    type, status, lastProbeTime: null,
    lastTransitionTime: before && before.status === status ? before.lastTransitionTime : iso(ctx.now),
  };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

/** The kubelet's getPhase over app containers once initialization is through. */
function appPhase(pod: Pod, statuses: ContainerStatus[], terminal: PodStatus['phase'] | undefined): PodStatus['phase'] {
  if (terminal) return terminal;
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  for (const s of statuses) {
    if (s.state.running) running++;
    else if (s.state.terminated || s.lastState.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  // All stopped but some restart (Always, or OnFailure after a failure).
  return restartPolicyOf(pod) === 'Never' ? 'Failed' : 'Running';
}

export function podStatusFrom(pod: Pod, state: PodRuntimeState, ctx: PodStatusContext): PodStatus {
  const actions = computePodActions(pod, state, ctx.now, ctx.backoff);
  const inits = pod.spec.initContainers ?? [];
  const initialized = inits.every((c) => succeeded(attemptsOf(state, c.name).at(-1)));
  const initStatuses = inits.map((c) => containerStatus(c, state, ctx, actions.backingOff.includes(c.name), 'PodInitializing'));
  const appStatuses = pod.spec.containers.map((c) =>
    containerStatus(c, state, ctx, actions.backingOff.includes(c.name), initialized ? 'ContainerCreating' : 'PodInitializing'));

  const phase = initialized ? appPhase(pod, appStatuses, actions.terminalPhase) : actions.terminalPhase ?? 'Pending';
  const notReady = appStatuses.filter((s) => !s.ready).map((s) => s.name);
  const containersReady = notReady.length === 0;
  const unreadyReason = phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady';
  const unreadyMessage = unreadyReason === 'ContainersNotReady' ? `containers with unready status: [${notReady.join(' ')}]` : undefined;
  const uninitialized = inits.filter((c) => !succeeded(attemptsOf(state, c.name).at(-1))).map((c) => c.name);

  const status: PodStatus = {
    phase,
    conditions: [
      condition('Initialized', initialized, ctx, 'ContainersNotInitialized', `containers with incomplete status: [${uninitialized.join(' ')}]`),
      condition('Ready', containersReady, ctx, unreadyReason, unreadyMessage),
      condition('ContainersReady', containersReady, ctx, unreadyReason, unreadyMessage),
      condition('PodScheduled', true, ctx),
    ],
    startTime: ctx.previous?.startTime ?? iso(ctx.now),
    containerStatuses: appStatuses,
  };
  if (inits.length) status.initContainerStatuses = initStatuses;
  if (ctx.hostIP) status.hostIP = ctx.hostIP;
  if (ctx.podIP) {
    status.podIP = ctx.podIP;
    status.podIPs = [{ ip: ctx.podIP }];
  }
  return status;
}
