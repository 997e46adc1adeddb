// Writes PodScheduled=False (reason Unschedulable) through the pods/status
// subresource, as kube-scheduler does when a pod fits nowhere. Unchanged
// conditions are not written again.
import { ApiError } from '../api/errors';
import { findByKind } from '../api/resources';
import type { RestClient } from '../client';
import type { Pod, PodCondition } from './api-types';

const PODS = findByKind('v1', 'Pod')!;

export function unschedulableCondition(pod: Pod, message: string, reason = 'Unschedulable'): PodCondition | undefined {
  const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (current && current.status === 'False' && current.reason === reason && current.message === message) return undefined;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    type: 'PodScheduled',
    status: 'False',
    reason,
    message,
    lastProbeTime: null,
    lastTransitionTime: current?.status === 'False' && current.lastTransitionTime ? current.lastTransitionTime : now,
  };
}

/** Patches the condition in; a pod deleted meanwhile is not an error. */
export async function setPodScheduledFalse(client: RestClient, pod: Pod, message: string, reason = 'Unschedulable'): Promise<void> {
  const condition = unschedulableCondition(pod, message, reason);
  if (!condition) return;
  try {
    await client.patch(PODS, pod.metadata.namespace, pod.metadata.name ?? '', { status: { conditions: [condition] } }, 'application/strategic-merge-patch+json', {
      subresource: 'status',
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'NotFound') return;
    throw err;
  }
}
