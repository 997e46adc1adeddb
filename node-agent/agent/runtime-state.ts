// What the runtime holds for a pod, as read back from disk (shim state files): every attempt of every
// container. Pure data: pod-actions.ts and pod-status.ts decide from it, container-runtime.ts produces it.
import type { ImageErrorReason } from './image-provider';

export interface ContainerAttempt {
  /** The container's name in the pod spec. */
  name: string;
  /** 0 for the first run; restartCount is the latest attempt's number. */
  attempt: number;
  /** The shim's container id. */
  containerId: string;
  imageId: string;
  /** containerSpecHash of the spec it was started from (absent for attempts recorded before hashes). */
  specHash?: string;
  /** The signal that stops it (lifecycle.stopSignal, else the image's StopSignal); SIGTERM when absent. */
  stopSignal?: string;
  /** unknown: the attempt's directory exists but the shim never recorded a state (a crash mid-create). */
  status: 'created' | 'running' | 'stopped' | 'unknown';
  pid: number;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  signal: number;
  oomKilled: boolean;
}

/** A failure before a container could run (image pull, bundle, shim create), shown as its waiting reason. */
export interface ContainerStartError {
  /** ContainerCreating: the pod's volumes could not be set up (a FailedMount event says why). */
  reason: ImageErrorReason | 'CreateContainerError' | 'CreateContainerConfigError' | 'ContainerCreating' | 'PostStartHookError';
  message: string;
}

export interface PodRuntimeState {
  /** Every attempt of every container, in any order. */
  attempts: ContainerAttempt[];
  /** The latest start failure per container name, cleared when a start succeeds. */
  startErrors: Record<string, ContainerStartError>;
}

export function emptyRuntimeState(): PodRuntimeState {
  return { attempts: [], startErrors: {} };
}

/** The attempts of one container, oldest first. */
export function attemptsOf(state: PodRuntimeState, name: string): ContainerAttempt[] {
  return state.attempts.filter((a) => a.name === name).sort((a, b) => a.attempt - b.attempt);
}

export function latestAttempt(state: PodRuntimeState, name: string): ContainerAttempt | undefined {
  return attemptsOf(state, name).at(-1);
}

export function isRunning(a: ContainerAttempt | undefined): boolean {
  return a !== undefined && (a.status === 'running' || a.status === 'created');
}

export function succeeded(a: ContainerAttempt | undefined): boolean {
  return a !== undefined && a.status === 'stopped' && a.exitCode === 0;
}
