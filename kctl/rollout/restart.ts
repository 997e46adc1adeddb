// `kctl rollout restart TYPE/NAME`: a new `kubectl.kubernetes.io/restartedAt`
// annotation on the pod template changes the template, so the controller rolls
// every pod (a new ReplicaSet for a Deployment), as kubectl's ObjectRestarter.
import { STRATEGIC_MERGE_PATCH } from '../../api/patch';
import type { Session } from '../session';
import { quoted, resourceString } from '../workload-target';
import { forEachTarget, isKind } from './each-target';
import { RolloutFailed } from './status-viewer';

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export async function runRolloutRestart(session: Session, args: string[]): Promise<number> {
  return forEachTarget(session, args, async (t) => {
    const fail = (why: string) => new RolloutFailed(`${resourceString(t.resource)} ${quoted(t.name)} ${why}`);
    if (!isKind(t, 'apps', 'Deployment') && !isKind(t, 'apps', 'DaemonSet')) throw fail('restarting is not supported');
    const obj = await session.client.get(t.resource, t.namespace, t.name);
    if ((obj.spec as { paused?: boolean } | undefined)?.paused) throw fail("can't restart paused deployment (run rollout resume first)");
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const patch = { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: now } } } } };
    await session.client.patch(t.resource, t.namespace, t.name, patch, STRATEGIC_MERGE_PATCH, { fieldManager: 'kubectl-rollout' });
    return 'restarted';
  });
}
