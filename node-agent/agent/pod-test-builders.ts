// Builders for the agent's unit tests: pods and container attempts that read like the situation they set up.
import type { ContainerSpec, Pod, RestartPolicy } from './pod-types';
import type { ContainerAttempt, PodRuntimeState } from './runtime-state';

export function makePod(opts: { containers?: string[]; inits?: string[]; restartPolicy?: RestartPolicy; uid?: string } = {}): Pod {
  const c = (name: string): ContainerSpec => ({ name, image: 'busybox:1.35' });
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: opts.uid ?? 'uid-1' },
    spec: {
      nodeName: 'node-1',
      containers: (opts.containers ?? ['main']).map(c),
      ...(opts.inits ? { initContainers: opts.inits.map(c) } : {}),
      ...(opts.restartPolicy ? { restartPolicy: opts.restartPolicy } : {}),
    },
  };
}

const T0 = Date.parse('2024-05-01T10:00:00Z');

export function at(seconds: number): number {
  return T0 + seconds * 1000;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function running(name: string, attempt = 0, startedSec = 0): ContainerAttempt {
  return {
    name, attempt, containerId: `uid-1-${name}-${attempt}`, imageId: 'sha256:img', status: 'running', pid: 100 + attempt,
    startedAt: iso(at(startedSec)), finishedAt: null, exitCode: null, signal: 0, oomKilled: false,
  };
}

export function exited(name: string, exitCode: number, attempt = 0, startedSec = 0, finishedSec = 1, extra: Partial<ContainerAttempt> = {}): ContainerAttempt {
  return {
    ...running(name, attempt, startedSec), status: 'stopped', finishedAt: iso(at(finishedSec)), exitCode, ...extra,
  };
}

export function state(...attempts: ContainerAttempt[]): PodRuntimeState {
  return { attempts, startErrors: {} };
}
