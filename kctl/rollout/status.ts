// `kctl rollout status TYPE/NAME [-w=false] [--timeout D] [--revision N]`:
// prints the status on every change of the object until the rollout is done
// (exit 0), fails (exit 1 with kubectl's message) or the timeout passes.
import type { KubeObject } from '../../api/types';
import { watchEventError } from '../../client/watch';
import { num, str, UsageError } from '../flags';
import { parseGoDuration } from '../logs';
import type { Session } from '../session';
import { groupKind, resolveTargets, Target } from '../workload-target';
import { daemonSetStatus, deploymentStatus, RolloutFailed, RolloutStatus } from './status-viewer';

const VIEWERS: Record<string, (obj: KubeObject, revision: number) => RolloutStatus> = {
  'apps/Deployment': deploymentStatus,
  'apps/DaemonSet': (obj) => daemonSetStatus(obj),
};

export async function runRolloutStatus(session: Session, args: string[]): Promise<number> {
  const revision = num(session.flags, 'revision') ?? 0;
  if (revision < 0) throw new UsageError(`revision must be a positive integer: ${revision}`);
  const timeoutText = str(session.flags, 'timeout');
  const timeoutMs = timeoutText === undefined || timeoutText === '0' ? 0 : parseGoDuration(timeoutText);
  const targets = await resolveTargets(session, args);
  if (targets.length !== 1) throw new UsageError(`rollout status is only supported on individual resources and resource collections - ${targets.length} resources were found`);
  const [target] = targets;
  const viewer = VIEWERS[`${target.resource.group}/${target.resource.kind}`];
  if (!viewer) throw new RolloutFailed(`no status viewer has been implemented for ${target.resource.kind}`);
  const watch = session.flags.watch !== false;
  return followStatus(session, target, (obj) => viewer(obj, revision), watch, timeoutMs);
}

async function followStatus(session: Session, t: Target, view: (obj: KubeObject) => RolloutStatus, watch: boolean, timeoutMs: number): Promise<number> {
  const client = session.client;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  session.io.signal?.addEventListener('abort', onAbort);
  let timedOut = false;
  const timer = timeoutMs > 0 ? setTimeout(() => ((timedOut = true), stop.abort()), timeoutMs) : undefined;
  // Prints the status; true when the wait is over.
  const show = (obj: KubeObject) => {
    const { message, done } = view(obj);
    session.io.out(message);
    return done || !watch;
  };
  try {
    let obj = await client.get(t.resource, t.namespace, t.name);
    if (show(obj)) return 0;
    while (!stop.signal.aborted) {
      const stream = await client.watch<KubeObject>(t.resource, t.namespace, {
        fieldSelector: `metadata.name=${t.name}`,
        resourceVersion: obj.metadata.resourceVersion,
        timeoutSeconds: 300,
      });
      const close = () => stream.close();
      stop.signal.addEventListener('abort', close);
      let expired = false;
      try {
        for await (const ev of stream) {
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
            obj = ev.object;
            if (show(obj)) return 0;
          } else if (ev.type === 'DELETED') {
            throw new RolloutFailed('object has been deleted');
          } else if (ev.type === 'ERROR') {
            const err = watchEventError(ev);
            if (err.code !== 'Gone' && err.code !== 'Expired') throw err;
            expired = true;
            break;
          }
        }
      } finally {
        stop.signal.removeEventListener('abort', close);
        stream.close();
      }
      // Our resourceVersion is too old to watch from: read the object afresh.
      if (expired && !stop.signal.aborted) {
        obj = await client.get(t.resource, t.namespace, t.name);
        if (show(obj)) return 0;
      }
    }
    if (timedOut) throw new RolloutFailed('timed out waiting for the condition');
    return 1;
  } finally {
    if (timer) clearTimeout(timer);
    session.io.signal?.removeEventListener('abort', onAbort);
  }
}
