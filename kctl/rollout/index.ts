// `kctl rollout SUBCOMMAND`: status, history, undo, restart, pause, resume.
import { UsageError } from '../flags';
import type { Session } from '../session';
import { runRolloutHistory } from './history';
import { runRolloutPause } from './pause';
import { runRolloutRestart } from './restart';
import { runRolloutStatus } from './status';
import { runRolloutUndo } from './undo';

export const ROLLOUT_SUBCOMMANDS = ['status', 'history', 'undo', 'restart', 'pause', 'resume'];

export async function runRollout(session: Session, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'status':
      return runRolloutStatus(session, rest);
    case 'history':
      return runRolloutHistory(session, rest);
    case 'undo':
      return runRolloutUndo(session, rest);
    case 'restart':
      return runRolloutRestart(session, rest);
    case 'pause':
      return runRolloutPause(session, rest, true);
    case 'resume':
      return runRolloutPause(session, rest, false);
    default:
      throw new UsageError(sub ? `unknown rollout subcommand "${sub}"; one of: ${ROLLOUT_SUBCOMMANDS.join(', ')}` : `rollout needs a subcommand: ${ROLLOUT_SUBCOMMANDS.join(', ')}`);
  }
}
