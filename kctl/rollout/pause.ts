// `kctl rollout pause|resume deployment/NAME`: sets or clears spec.paused. A
// paused Deployment keeps its ReplicaSets' sizes in line with spec.replicas
// but starts no rollout until resumed (kubectl's ObjectPauser / ObjectResumer).
import { STRATEGIC_MERGE_PATCH } from '../../api/patch';
import type { Session } from '../session';
import { quoted, resourceString } from '../workload-target';
import { forEachTarget, isKind } from './each-target';
import { RolloutFailed } from './status-viewer';

export async function runRolloutPause(session: Session, args: string[], pause: boolean): Promise<number> {
  return forEachTarget(session, args, async (t) => {
    const fail = (why: string) => new RolloutFailed(`${resourceString(t.resource)} ${quoted(t.name)} ${why}`);
    if (!isKind(t, 'apps', 'Deployment')) throw fail(pause ? 'pausing is not supported' : 'resuming is not supported');
    const d = await session.client.get(t.resource, t.namespace, t.name);
    const paused = (d.spec as { paused?: boolean } | undefined)?.paused === true;
    if (pause && paused) throw fail('is already paused');
    if (!pause && !paused) throw fail('is not paused');
    // What kubectl's two-way patch gives: paused: false is omitted, so resume removes the field.
    const patch = { spec: { paused: pause ? true : null } };
    await session.client.patch(t.resource, t.namespace, t.name, patch, STRATEGIC_MERGE_PATCH, { fieldManager: 'kubectl-rollout' });
    return pause ? 'paused' : 'resumed';
  });
}
