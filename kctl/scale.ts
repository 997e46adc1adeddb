// `kctl scale TYPE/NAME --replicas=N [--current-replicas=M] [--resource-version=V]`:
// sets spec.replicas through the scale subresource, as kubectl does. Without a
// precondition it is a merge patch; with one, kctl reads the Scale, checks it,
// and PUTs it back with its resourceVersion so a concurrent change is a Conflict.
import { isApiError } from '../api/errors';
import { MERGE_PATCH } from '../api/patch';
import type { KubeObject } from '../api/types';
import { formatError } from './errors';
import { num, str, UsageError } from './flags';
import { nameOf } from './object-output';
import type { Session } from './session';
import { quoted, resolveTargets, resourceString, Target } from './workload-target';

interface Scale extends KubeObject {
  spec?: { replicas?: number };
}

export async function runScale(session: Session, args: string[]): Promise<number> {
  const replicas = num(session.flags, 'replicas') ?? -1;
  if (replicas < 0) throw new UsageError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  const current = num(session.flags, 'current-replicas') ?? -1;
  const resourceVersion = str(session.flags, 'resource-version');
  const targets = await resolveTargets(session, args);
  let failed = false;
  for (const t of targets) {
    try {
      await scaleOne(session, t, replicas, current, resourceVersion);
      session.io.out(`${nameOf(t.resource, t.name)} scaled\n`);
    } catch (err) {
      if (!isApiError(err) && !(err instanceof ScaleError)) throw err;
      session.io.err(formatError(err) + '\n');
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

class ScaleError extends Error {}

async function scaleOne(session: Session, t: Target, replicas: number, current: number, resourceVersion: string | undefined): Promise<void> {
  // Only kinds whose discovery lists a scale subresource can be scaled (not DaemonSets, Pods, …).
  if (!t.resource.subresources.includes('scale')) {
    throw new ScaleError(`${resourceString(t.resource)} ${quoted(t.name)} cannot be scaled: the server has no scale subresource for ${resourceString(t.resource)}`);
  }
  const client = session.client;
  if (current < 0 && !resourceVersion) {
    await client.patch(t.resource, t.namespace, t.name, { spec: { replicas } }, MERGE_PATCH, { subresource: 'scale' });
    return;
  }
  const scale = await client.get<Scale>(t.resource, t.namespace, t.name, { subresource: 'scale' });
  if (current >= 0 && (scale.spec?.replicas ?? 0) !== current) {
    throw new ScaleError(`Expected replicas to be ${current}, was ${scale.spec?.replicas ?? 0}`);
  }
  if (resourceVersion && scale.metadata.resourceVersion !== resourceVersion) {
    throw new ScaleError(`Expected resource version to be ${resourceVersion}, was ${scale.metadata.resourceVersion}`);
  }
  await client.update(t.resource, t.namespace, { ...scale, spec: { ...scale.spec, replicas } }, { subresource: 'scale' });
}
