// A DaemonSet's history for `rollout history|undo`, as kubectl reads it: the
// ControllerRevisions whose controller is the DaemonSet, each holding the
// strategic merge patch that puts its pod template back (`data`).
import { findByKind } from '../../api/resources';
import { applyStrategicMergePatch } from '../../api/patch';
import type { KubeObject } from '../../api/types';
import type { Session } from '../session';

export const daemonSets = findByKind('apps/v1', 'DaemonSet')!;
const controllerRevisions = findByKind('apps/v1', 'ControllerRevision')!;

export interface ControllerRevision extends KubeObject {
  data?: Record<string, unknown>;
  revision: number;
}

/** The DaemonSet's revisions, oldest first. */
export async function revisionsOf(session: Session, ds: KubeObject): Promise<ControllerRevision[]> {
  const list = await session.client.listAll<ControllerRevision>(controllerRevisions, ds.metadata.namespace);
  return list.items
    .filter((r) => r.metadata.ownerReferences?.some((o) => o.controller && o.uid === ds.metadata.uid))
    .sort((a, b) => a.revision - b.revision);
}

/** The DaemonSet as it would be with this revision applied (kubectl applyDaemonSetHistory). */
export function withRevision(ds: KubeObject, revision: ControllerRevision): KubeObject {
  return applyStrategicMergePatch(ds, revision.data ?? {}, 'DaemonSet') as unknown as KubeObject;
}
