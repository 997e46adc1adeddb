// A Deployment's ReplicaSets (those whose controller ownerReference is the
// Deployment) and the revision each one carries, as kubectl's deploymentutil.
import type { KubeObject } from '../../api/types';
import { findByKind } from '../../api/resources';
import type { Session } from '../session';
import { REVISION_ANNOTATION } from './status-viewer';

export const deployments = findByKind('apps/v1', 'Deployment')!;
const replicaSets = findByKind('apps/v1', 'ReplicaSet')!;

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

export async function replicaSetsOf(session: Session, deployment: KubeObject): Promise<KubeObject[]> {
  const list = await session.client.listAll(replicaSets, deployment.metadata.namespace);
  return list.items.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.controller && o.uid === deployment.metadata.uid));
}

/** The revision annotation as a number; 0 when missing (kubectl's deploymentutil.Revision). */
export function revisionOf(obj: KubeObject): number {
  const n = Number(obj.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
  return Number.isInteger(n) && n > 0 ? n : 0;
}
