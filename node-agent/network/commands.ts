// Runs iproute2/nft/sysctl either in the node's network namespace (the agent's
// own, or one given by path for simulated machines) or inside a pod's.
import { execFile } from 'node:child_process';
import { execOffThread, type ExecError } from '../runtime/exec-off-thread';

export class CommandError extends Error {
  constructor(readonly argv: string[], readonly stderr: string, readonly exitCode: number | null) {
    super(`${argv.join(' ')} failed (${exitCode}): ${stderr.trim()}`);
  }
}

/** A pod's veth setup runs at every pod start: from the exec worker, so the fork does not block the agent. */
async function execOffLoop(argv: string[], input?: string): Promise<string> {
  try {
    return (await execOffThread(argv[0], argv.slice(1), { input })).stdout;
  } catch (err) {
    const e = err as ExecError;
    throw new CommandError(argv, String(e.stderr || e.message), typeof e.code === 'number' ? e.code : null);
  }
}

function exec(argv: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0], argv.slice(1), { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new CommandError(argv, String(stderr || err.message), typeof err.code === 'number' ? err.code : null));
      else resolve(String(stdout));
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export class NetnsCommands {
  /** nodeNetnsPath: the node's network namespace; unset = the agent's own. */
  constructor(private readonly nodeNetnsPath?: string) {}

  /** In the node's namespace. */
  node(argv: string[], input?: string): Promise<string> {
    return exec(this.nodeNetnsPath ? ['nsenter', `--net=${this.nodeNetnsPath}`, '--', ...argv] : argv, input);
  }

  /** In the namespace at netnsPath (a pod's). */
  pod(netnsPath: string, argv: string[]): Promise<string> {
    return exec(['nsenter', `--net=${netnsPath}`, '--', ...argv]);
  }

  /**
   * Several `ip` commands in one process (`ip -batch -`), in the node's namespace or the one at netnsPath.
   * ip stops at the first failing command; the error names its line ("Command failed -:N").
   */
  async ipBatch(commands: string[][], netnsPath?: string): Promise<string> {
    for (const arg of commands.flat()) {
      // ip splits batch lines on blanks and reads quotes and '#': such an argument would change the command.
      if (!arg || /[\s"'\\#]/.test(arg)) throw new Error(`ip -batch: argument ${JSON.stringify(arg)} cannot be passed on a batch line`);
    }
    const input = commands.map((c) => c.join(' ')).join('\n') + '\n';
    const argv = ['ip', '-batch', '-'];
    const netns = netnsPath ?? this.nodeNetnsPath;
    return execOffLoop(netns ? ['nsenter', `--net=${netns}`, '--', ...argv] : argv, input);
  }

  /** `ip -j …` in the node's namespace, parsed. */
  async nodeJson<T>(argv: string[]): Promise<T> {
    const out = await this.node(['ip', '-j', ...argv]);
    return (out.trim() ? JSON.parse(out) : []) as T;
  }
}

/** True when a command failed because the thing it removes/looks up is not there. */
export function isMissing(err: unknown): boolean {
  return err instanceof CommandError && /Cannot find device|does not exist|No such (file|process|device)|not found/i.test(err.stderr);
}
