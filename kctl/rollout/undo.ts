// `kctl rollout undo deployment/NAME [--to-revision N]`, as kubectl does it:
// the chosen ReplicaSet's pod template (without its pod-template-hash label)
// and annotations are written back into the Deployment with one JSON patch;
// the controller then makes that ReplicaSet the newest revision again.
import { JSON_PATCH, STRATEGIC_MERGE_PATCH } from '../../api/patch';
import type { KubeObject } from '../../api/types';
import { num } from '../flags';
import type { Session } from '../session';
import { groupKind, quoted } from '../workload-target';
import { forEachTarget, isKind } from './each-target';
import { deployments, POD_TEMPLATE_HASH_LABEL, replicaSetsOf, revisionOf } from './replica-sets';
import { REVISION_ANNOTATION, RolloutFailed } from './status-viewer';
import { daemonSets, revisionsOf, withRevision, type ControllerRevision } from './daemonset-revisions';

/** Deployment annotations that stay as they are; the ReplicaSet's others are copied (kubectl annotationsToSkip). */
const KEPT_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

type Template = { metadata?: KubeObject['metadata']; spec?: unknown };

export async function runRolloutUndo(session: Session, args: string[]): Promise<number> {
  const toRevision = num(session.flags, 'to-revision') ?? 0;
  return forEachTarget(session, args, async (t) => {
    if (isKind(t, 'apps', 'DaemonSet')) return undoDaemonSet(session, t.namespace, t.name, toRevision);
    if (!isKind(t, 'apps', 'Deployment')) throw new RolloutFailed(`no rollbacker has been implemented for ${quoted(groupKind(t.resource))}`);
    if (toRevision < 0) throw revisionNotFound(toRevision);
    const d = await session.client.get(deployments, t.namespace, t.name);
    const rs = pickReplicaSet(d, await replicaSetsOf(session, d), toRevision);
    if ((d.spec as { paused?: boolean }).paused) {
      throw new RolloutFailed(`you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/${t.name}' and try again`);
    }
    const template = withoutHash(((rs.spec as { template?: Template }).template ?? {}) as Template);
    if (sameJson(template, withoutHash(((d.spec as { template?: Template }).template ?? {}) as Template))) {
      return `skipped rollback (current template already matches revision ${toRevision})`;
    }
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (KEPT_ANNOTATIONS.has(k)) annotations[k] = v;
    for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!KEPT_ANNOTATIONS.has(k)) annotations[k] = v;
    const patch = [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ];
    await session.client.patch(deployments, t.namespace, t.name, patch, JSON_PATCH, { fieldManager: 'kubectl-rollout' });
    return 'rolled back';
  });
}

/** kubectl's DaemonSetRollbacker: the revision's patch goes back to the DaemonSet as a strategic merge patch. */
async function undoDaemonSet(session: Session, namespace: string | undefined, name: string, toRevision: number): Promise<string> {
  if (toRevision < 0) throw revisionNotFound(toRevision);
  const ds = await session.client.get(daemonSets, namespace, name);
  const history = await revisionsOf(session, ds);
  const target = pickRevision(history, toRevision);
  const wanted = (withRevision(ds, target).spec as { template?: Template }).template;
  if (sameJson(wanted, (ds.spec as { template?: Template }).template)) {
    return `skipped rollback (current template already matches revision ${toRevision})`;
  }
  await session.client.patch(daemonSets, namespace, name, target.data ?? {}, STRATEGIC_MERGE_PATCH, { fieldManager: 'kubectl-rollout' });
  return 'rolled back';
}

/** toRevision, or (0) the revision before the newest. */
function pickRevision(history: ControllerRevision[], toRevision: number): ControllerRevision {
  if (toRevision > 0) {
    const found = history.find((r) => r.revision === toRevision);
    if (!found) throw revisionNotFound(toRevision);
    return found;
  }
  if (history.length < 2) throw new RolloutFailed('no last revision to roll back to');
  return history[history.length - 2];
}

const revisionNotFound = (r: number) => new RolloutFailed(`unable to find specified revision ${r} in history`);

/** The ReplicaSet of toRevision, or (0) of the revision before the newest (kubectl deploymentRevision). */
export function pickReplicaSet(d: KubeObject, replicaSets: KubeObject[], toRevision: number): KubeObject {
  if (toRevision > 0) {
    const found = replicaSets.find((rs) => revisionOf(rs) === toRevision);
    if (!found) throw revisionNotFound(toRevision);
    return found;
  }
  const sorted = [...replicaSets].sort((a, b) => revisionOf(b) - revisionOf(a));
  const newest = sorted[0];
  const previous = sorted.find((rs) => revisionOf(rs) < revisionOf(newest));
  if (!previous) throw new RolloutFailed(`no rollout history found for deployment ${quoted(d.metadata.name ?? '')}`);
  return previous;
}

function withoutHash(template: Template): Template {
  const copy = structuredClone(template);
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return copy;
}

/** Equal as Kubernetes' semantic equality sees it: key order, and empty vs missing maps and lists, do not count. */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(canonical) : undefined;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v;
}
