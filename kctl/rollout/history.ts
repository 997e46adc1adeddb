// `kctl rollout history deployment/NAME [--revision N]`: the revisions of a
// Deployment read from its ReplicaSets' revision and change-cause annotations,
// or one revision's pod template.
import type { KubeObject } from '../../api/types';
import { num, UsageError } from '../flags';
import type { Session } from '../session';
import { groupKind, quoted } from '../workload-target';
import { forEachTarget, isKind } from './each-target';
import { podTemplateText } from './pod-template-text';
import { CHANGE_CAUSE_ANNOTATION, deployments, replicaSetsOf, revisionOf } from './replica-sets';
import { RolloutFailed } from './status-viewer';
import { daemonSets, revisionsOf, withRevision } from './daemonset-revisions';

export async function runRolloutHistory(session: Session, args: string[]): Promise<number> {
  const revision = num(session.flags, 'revision') ?? 0;
  if (revision < 0) throw new UsageError(`revision must be a positive integer: ${revision}`);
  return forEachTarget(session, args, async (t) => {
    let text: string;
    if (isKind(t, 'apps', 'Deployment')) {
      const d = await session.client.get(deployments, t.namespace, t.name);
      text = deploymentHistory(await replicaSetsOf(session, d), revision);
    } else if (isKind(t, 'apps', 'DaemonSet')) {
      const ds = await session.client.get(daemonSets, t.namespace, t.name);
      text = daemonSetHistory(ds, await revisionsOf(session, ds), revision);
    } else {
      throw new RolloutFailed(`no history viewer has been implemented for ${quoted(groupKind(t.resource))}`);
    }
    // kubectl prints the history as the "operation" after the object's name.
    return `${revision > 0 ? `with revision #${revision}` : ''}\n${text}`;
  });
}

/** kubectl's DeploymentHistoryViewer: one row per revision (the last ReplicaSet with it wins). */
export function deploymentHistory(replicaSets: KubeObject[], revision: number): string {
  const byRevision = new Map<number, KubeObject>();
  for (const rs of replicaSets) byRevision.set(revisionOf(rs), rs);
  if (byRevision.size === 0) return 'No rollout history found.';
  if (revision > 0) {
    const rs = byRevision.get(revision);
    if (!rs) throw new RolloutFailed('unable to find the specified revision');
    const template = structuredClone((rs.spec as { template?: KubeObject } | undefined)?.template ?? {}) as { metadata?: KubeObject['metadata'] };
    const cause = rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    if (cause) template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [CHANGE_CAUSE_ANNOTATION]: cause } };
    return podTemplateText(template);
  }
  const rows = [...byRevision.keys()].sort((a, b) => a - b).map((r) => [String(r), byRevision.get(r)!.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] || '<none>']);
  return tabbed([['REVISION', 'CHANGE-CAUSE'], ...rows]);
}

/** kubectl's DaemonSetHistoryViewer: change causes from the revisions, or one revision's template. */
export function daemonSetHistory(ds: KubeObject, revisions: Array<KubeObject & { revision: number; data?: Record<string, unknown> }>, revision: number): string {
  if (revisions.length === 0) return 'No rollout history found.';
  if (revision > 0) {
    const found = revisions.find((r) => r.revision === revision);
    if (!found) throw new RolloutFailed(`unable to find the specified revision`);
    const applied = withRevision(ds, found);
    return podTemplateText(structuredClone((applied.spec as { template?: KubeObject } | undefined)?.template ?? {}));
  }
  const rows = revisions.map((r) => [String(r.revision), r.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] || '<none>']);
  return tabbed([['REVISION', 'CHANGE-CAUSE'], ...rows]);
}

/** Go's tabwriter as kubectl's history uses it: padding 2, last column unpadded. */
function tabbed(rows: string[][]): string {
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return rows.map(([first, last]) => `${first.padEnd(width)}${last}\n`).join('');
}
