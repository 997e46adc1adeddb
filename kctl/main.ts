// kctl's entry point: finds the command, parses its flags, runs it and turns
// every failure into kubectl-style output and an exit code.
import { COMMANDS, commandHelp, GLOBAL_FLAGS, usageText } from './commands';
import { formatError } from './errors';
import { bool, parseArgs, str, strs, UsageError } from './flags';
import { CliIO, processIO } from './io';
import { Session } from './session';
import { applyAll, resolveManifests } from './apply';
import { SERVER_SIDE_MANAGER } from './server-side-apply';
import { readManifests } from './manifests';
import { runGet } from './get';
import { runDescribe } from './describe';
import { runDelete } from './delete';
import { runCreate } from './create';
import { runApiResources } from './api-resources';
import { runVersion } from './version';
import { runLogs } from './logs';
import { runImage } from './image';
import { processTerminal, runExec, splitCombinedExecFlags } from './exec';
import { runPortForward } from './port-forward';
import { runScale } from './scale';
import { runRollout } from './rollout';
import { runSet } from './set-image';
import { runCreateJob } from './create-job';

/** Runs one kctl command line; resolves to the exit code. */
export async function main(rawArgv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const argv = splitCombinedExecFlags(rawArgv); // `exec -it`
  const allFlags = [...GLOBAL_FLAGS, ...COMMANDS.flatMap((c) => c.flags)];
  const uniqueFlags = [...new Map(allFlags.map((f) => [f.name, f])).values()];
  let session: Session | undefined;
  try {
    // First pass only finds the command word; the second parses with its flags.
    const probe = parseArgs(argv, uniqueFlags);
    const commandName = probe.positionals[0];
    const command = COMMANDS.find((c) => c.name === commandName);
    if (!commandName || (!command && bool(probe.flags, 'help'))) {
      io.out(usageText());
      return commandName ? 0 : bool(probe.flags, 'help') ? 0 : 1;
    }
    if (!command) throw new UsageError(`unknown command "${commandName}" for "kctl"`);
    const parsed = parseArgs(argv, [...GLOBAL_FLAGS, ...command.flags]);
    if (bool(parsed.flags, 'help')) {
      io.out(commandHelp(command));
      return 0;
    }
    const args = parsed.positionals.slice(parsed.positionals.indexOf(commandName) + 1);
    session = new Session(io, parsed.flags, parsed.set);
    switch (command.name) {
      case 'apply':
        return await runApply(session, args);
      case 'get':
        return await runGet(session, args);
      case 'describe':
        return await runDescribe(session, args);
      case 'delete':
        return await runDelete(session, args);
      case 'create':
        return args[0] === 'job' ? await runCreateJob(session, args.slice(1)) : await runCreate(session, args);
      case 'scale':
        return await runScale(session, args);
      case 'rollout':
        return await runRollout(session, args);
      case 'set':
        return await runSet(session, args);
      case 'logs':
        return await runLogs(session, args);
      case 'image':
        return await runImage(session, args);
      case 'exec':
        // The real terminal only when kctl runs as the process (io from processIO).
        return await runExec(session, args, io.env === process.env ? processTerminal() : undefined);
      case 'port-forward':
        return await runPortForward(session, args);
      case 'api-resources':
        return await runApiResources(session);
      default:
        return await runVersion(session, bool(parsed.flags, 'client'));
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}\nSee 'kctl --help' for usage.\n`);
      return 1;
    }
    io.err(formatError(err) + '\n');
    return 1;
  } finally {
    session?.close();
  }
}

async function runApply(session: Session, args: string[]): Promise<number> {
  const files = strs(session.flags, 'filename');
  if (files.length === 0) throw new UsageError('must specify one of -f and -k');
  if (args.length) throw new UsageError(`unexpected arguments: ${args.join(' ')}`);
  const { manifests, problems } = await readManifests(files, bool(session.flags, 'recursive'), session.io.readStdin);
  // Any syntax or shape problem stops everything before a single request is sent.
  if (problems.length) {
    for (const p of problems) session.io.err(`${p}\n`);
    session.io.err('error: nothing was applied\n');
    return 1;
  }
  const resolved = await resolveManifests(session, manifests);
  if (resolved.problems.length) {
    for (const p of resolved.problems) session.io.err(`error: ${p}\n`);
    session.io.err('error: nothing was applied\n');
    return 1;
  }
  const serverSide = bool(session.flags, 'server-side');
  if (!serverSide && bool(session.flags, 'force-conflicts')) throw new UsageError('--force-conflicts only works with --server-side');
  const options = serverSide
    ? { fieldManager: str(session.flags, 'field-manager') || SERVER_SIDE_MANAGER, force: bool(session.flags, 'force-conflicts') }
    : undefined;
  return (await applyAll(session, resolved.resolved, options)) ? 0 : 1;
}

