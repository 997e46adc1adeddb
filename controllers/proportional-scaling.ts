// Scaling a Deployment while several of its ReplicaSets have pods (mid-rollout
// or paused): the change is spread over them in proportion to their sizes, so
// the rollout's old/new balance is kept (k8s deployment/sync.go `scale`).
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, maxSurge, specReplicas } from './deployment-status';
import type { Deployment, ReplicaSet } from './workload-types';

const byCreation = (a: ReplicaSet, b: ReplicaSet) =>
  Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? '') || (a.metadata.name! < b.metadata.name! ? -1 : 1);

/** spec.replicas changed since the ReplicaSets with pods were last sized (their desired-replicas annotation). */
export function isScalingEvent(d: Deployment, all: ReplicaSet[]): boolean {
  return all.some((rs) => {
    const desired = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
    return specReplicas(rs) > 0 && desired !== undefined && Number(desired) !== (d.spec.replicas ?? 1);
  });
}

/** The new sizes (by ReplicaSet name) that bring the Deployment to spec.replicas without rolling. */
export function proportionalSizes(d: Deployment, newRS: ReplicaSet | undefined, old: ReplicaSet[]): Map<string, number> {
  const replicas = d.spec.replicas ?? 1;
  const sizes = new Map<string, number>();
  const all = [...(newRS ? [newRS] : []), ...old];
  const active = all.filter((rs) => specReplicas(rs) > 0);
  // One ReplicaSet with pods (or none: the newest) takes the whole count.
  if (active.length <= 1) {
    const target = active[0] ?? newRS ?? [...old].sort(byCreation).pop();
    if (target) sizes.set(target.metadata.name!, replicas);
    return sizes;
  }
  // The new ReplicaSet already carries everything: the old ones go.
  const saturated =
    newRS &&
    Number(newRS.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION]) === replicas &&
    specReplicas(newRS) === replicas &&
    (newRS.status?.availableReplicas ?? 0) === replicas;
  if (saturated) {
    for (const rs of old) if (specReplicas(rs) > 0) sizes.set(rs.metadata.name!, 0);
    return sizes;
  }
  if (d.spec.strategy?.type === 'Recreate') return sizes;
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - active.reduce((n, rs) => n + specReplicas(rs), 0);
  // Largest first (newer first when growing, older first when shrinking): the leftover goes to the first.
  const ordered = [...active].sort((a, b) => specReplicas(b) - specReplicas(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)));
  let added = 0;
  for (const rs of ordered) {
    let proportion = 0;
    if (toAdd !== 0 && toAdd !== added) {
      const fraction = fractionOf(rs, d);
      const left = toAdd - added;
      proportion = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
    }
    sizes.set(rs.metadata.name!, specReplicas(rs) + proportion);
    added += proportion;
  }
  if (toAdd !== 0) {
    const first = ordered[0].metadata.name!;
    sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
  }
  return sizes;
}

/** How much this ReplicaSet should grow (or shrink) for its share of the new size. */
function fractionOf(rs: ReplicaSet, d: Deployment): number {
  const replicas = d.spec.replicas ?? 1;
  if (replicas === 0) return -specReplicas(rs);
  const deploymentReplicas = replicas + maxSurge(d);
  const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION]) || d.status?.replicas || deploymentReplicas;
  return Math.round((specReplicas(rs) * deploymentReplicas) / annotated) - specReplicas(rs);
}
