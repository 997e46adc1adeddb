// Job test helpers: a Job manifest, and finishing a Job's pod as a node agent
// would report it — Succeeded, or Failed with a container exit code and pod conditions.
import type { KubeObject } from '../../api/types';
import type { RestClient } from '../../client/rest-client';
import type { Condition, Pod } from '../../controllers/workload-types';
import { resources } from './cluster';

/** A Job running busybox with restartPolicy Never; `spec` adds to or overrides its spec. */
export function job(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1' }] } }, ...spec },
  };
}

export interface FailOptions {
  exitCode?: number;
  container?: string;
  /** e.g. DisruptionTarget, which the eviction API and preemption add. */
  conditions?: Condition[];
  /** When the container finished (ms); now by default. Unit tests pass their manual clock's time. */
  finishedAt?: number;
}

export async function finishPod(client: RestClient, pod: Pod, phase: 'Succeeded' | 'Failed', opts: FailOptions = {}): Promise<void> {
  const latest = await client.get<Pod>(resources.pods, pod.metadata.namespace, pod.metadata.name!);
  const now = new Date(opts.finishedAt ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const exitCode = opts.exitCode ?? (phase === 'Succeeded' ? 0 : 1);
  latest.status = {
    ...latest.status,
    phase,
    conditions: [...(latest.status?.conditions ?? []), ...(opts.conditions ?? [])],
    containerStatuses: [
      {
        name: opts.container ?? 'main',
        ready: false,
        restartCount: 0,
        image: 'busybox:1',
        imageID: '',
        state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: now, finishedAt: now } },
      },
    ],
  };
  await client.update(resources.pods, pod.metadata.namespace, latest, { subresource: 'status' });
}

/** The DisruptionTarget condition an eviction leaves on a pod. */
export function disruptionTarget(): Condition {
  return { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** The policy the tests use: exit code 42 of `main` fails the Job, an eviction (DisruptionTarget) is ignored. */
export const failOn42IgnoreDisruption = {
  rules: [
    { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
  ],
};
