// A Deployment's status from its ReplicaSets, and its Available and
// Progressing conditions (k8s deployment/sync.go and util/deployment_util.go).
import { resolveFenceposts } from '../api/int-or-string';
import type { Condition, Deployment, DeploymentStatus, ReplicaSet } from './workload-types';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

export const sumOf = (rss: ReplicaSet[], f: (rs: ReplicaSet) => number | undefined): number => rss.reduce((n, rs) => n + (f(rs) ?? 0), 0);
export const specReplicas = (rs: ReplicaSet): number => rs.spec.replicas ?? 0;

/**
 * Available pods of a ReplicaSet for rollout arithmetic: while its status
 * has not caught up with a scale-down (observedGeneration behind), never more
 * than its new spec.replicas, so one scale-down is not counted twice.
 */
export function availableOf(rs: ReplicaSet): number {
  const available = rs.status?.availableReplicas ?? 0;
  return (rs.status?.observedGeneration ?? 0) < (rs.metadata.generation ?? 0) ? Math.min(available, specReplicas(rs)) : available;
}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function revisionOf(obj: { metadata: { annotations?: Record<string, string> } }): number {
  const n = Number(obj.metadata.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** Pods that may be missing during a rollout; 0 for Recreate (k8s MaxUnavailable). */
export function maxUnavailable(d: Deployment): number {
  const replicas = d.spec.replicas ?? 1;
  if (d.spec.strategy?.type === 'Recreate' || replicas === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  return Math.min(resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicas).unavailable, replicas);
}

export function maxSurge(d: Deployment): number {
  if (d.spec.strategy?.type === 'Recreate') return 0;
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, d.spec.replicas ?? 1).surge;
}

export function getCondition(status: DeploymentStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** Sets a condition; an unchanged status and reason keeps the existing one as it is (k8s SetDeploymentCondition). */
export function setCondition(status: DeploymentStatus, cond: Condition): void {
  const current = getCondition(status, cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  if (current && current.status === cond.status) cond.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), cond];
}

function condition(type: string, status: Condition['status'], reason: string, message: string, now: number): Condition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** Counts from the ReplicaSets, and the Available condition. */
export function calculateStatus(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined, now: number): DeploymentStatus {
  const available = sumOf(all, (rs) => rs.status?.availableReplicas);
  const total = sumOf(all, (rs) => rs.status?.replicas);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: total,
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sumOf(all, (rs) => rs.status?.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, (d.spec.replicas ?? 1) - available),
    conditions: structuredClone(d.status?.conditions ?? []),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (available >= (d.spec.replicas ?? 1) - maxUnavailable(d)) {
    setCondition(status, condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** Every pod updated, available, and nothing old left (k8s DeploymentComplete). */
export function isComplete(d: Deployment, status: DeploymentStatus): boolean {
  const want = d.spec.replicas ?? 1;
  return status.updatedReplicas === want && status.replicas === want && status.availableReplicas === want && (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** Something moved since the last status (k8s DeploymentProgressing). */
function isProgressing(d: Deployment, next: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/**
 * The Progressing condition (k8s syncRolloutStatus). Returns how long until
 * the progress deadline would pass, so the controller can look again then.
 */
export function applyProgressing(d: Deployment, status: DeploymentStatus, newRS: ReplicaSet | undefined, now: number): number | undefined {
  const deadline = d.spec.progressDeadlineSeconds;
  if (deadline === undefined || deadline === null) {
    status.conditions = (status.conditions ?? []).filter((c) => c.type !== 'Progressing');
    return undefined;
  }
  if (d.spec.paused) {
    setCondition(status, condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now));
    return undefined;
  }
  const current = getCondition(status, 'Progressing');
  const rsName = newRS?.metadata.name ?? '';
  if (isComplete(d, status)) {
    setCondition(status, condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`, now));
    return undefined;
  }
  if (current?.reason === 'DeploymentPaused') {
    // Resumed: the deadline counts from now (k8s DeploymentResumed).
    setCondition(status, condition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', now));
  }
  if (isProgressing(d, status)) {
    const cond = condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`, now);
    const cur = getCondition(status, 'Progressing');
    if (cur?.status === 'True') cond.lastTransitionTime = cur.lastTransitionTime;
    status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== 'Progressing'), cond];
    return deadline * 1000;
  }
  const cur = getCondition(status, 'Progressing');
  if (!cur) return undefined;
  if (cur.reason === 'ProgressDeadlineExceeded') return undefined;
  const from = Date.parse(cur.lastUpdateTime ?? cur.lastTransitionTime ?? '') || now;
  const left = from + deadline * 1000 - now;
  if (left <= 0) {
    setCondition(status, condition('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`, now));
    return undefined;
  }
  return left;
}
