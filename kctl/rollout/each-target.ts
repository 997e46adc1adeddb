// The rollout subcommands that act on several objects report each one on its
// own line (`deployment.apps/web paused`) and go on after a failure, as kubectl
// does; the exit code is 1 if any failed.
import { isApiError } from '../../api/errors';
import { formatError } from '../errors';
import { nameOf } from '../object-output';
import type { Session } from '../session';
import { resolveTargets, Target } from '../workload-target';
import { RolloutFailed } from './status-viewer';

/** `act` returns the operation to print after the name ("paused"), or throws. */
export async function forEachTarget(session: Session, args: string[], act: (t: Target) => Promise<string>): Promise<number> {
  let failed = false;
  for (const t of await resolveTargets(session, args)) {
    try {
      const operation = await act(t);
      session.io.out(`${nameOf(t.resource, t.name)} ${operation}\n`);
    } catch (err) {
      if (!(err instanceof RolloutFailed) && !isApiError(err)) throw err;
      session.io.err(formatError(err) + '\n');
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

export const isKind = (t: Target, group: string, kind: string): boolean => t.resource.group === group && t.resource.kind === kind;
