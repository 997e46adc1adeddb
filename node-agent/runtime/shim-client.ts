// Runs kapstan-shim (node-agent/helper) and reads the state files its monitors keep.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { execOffThread, type ExecError } from './exec-off-thread';

export type ShimStatus = 'created' | 'running' | 'stopped';

/** SDIR/state.json as the monitor writes it. */
export interface ShimState {
  id: string;
  status: ShimStatus;
  /** The container's PID 1 as seen from the host. */
  pid: number;
  monitorPid: number;
  bundle: string;
  cgroupsPath: string;
  logPath: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Set once stopped; 128 + signal when a signal ended it. */
  exitCode: number | null;
  signal: number;
  oomKilled: boolean;
  /** Why the exit could not be recorded (the monitor died first). */
  error?: string;
}

export interface CreateOptions {
  bundle: string;
  id: string;
  stateDir: string;
  /** CRI-format log file for stdout/stderr; output is discarded without one. */
  logPath?: string;
  logMaxSize?: number;
  logMaxFiles?: number;
  /** Run the shim's reaper as PID 1 (also settable with the io.kapstan.init annotation). */
  init?: boolean;
}

export interface ExecOptions {
  tty?: boolean;
  cwd?: string;
  env?: string[];
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A shim command failed; message is the shim's own ("create: pivot_root: Invalid argument"). */
export class ShimError extends Error {
  constructor(readonly command: string, message: string, readonly exitCode: number | null) {
    super(message);
    this.name = 'ShimError';
  }
}

/** Where `npm run build` puts the helper, from either the source tree or dist/. */
export function defaultShimBinary(): string {
  if (process.env.KAPSTAN_SHIM) return process.env.KAPSTAN_SHIM;
  for (const up of ['../..', '../../..']) {
    const candidate = resolve(__dirname, up, 'node-agent/helper/build/kapstan-shim');
    if (existsSync(candidate)) return candidate;
  }
  return resolve(__dirname, '../../../node-agent/helper/build/kapstan-shim');
}

export class ShimClient {
  readonly binary: string;

  constructor(opts: { binary?: string } = {}) {
    this.binary = opts.binary ?? defaultShimBinary();
  }

  /** Starts the container; resolves once its entrypoint has been exec'd, with its host PID. */
  async create(opts: CreateOptions): Promise<{ pid: number }> {
    const args = ['create', '--bundle', opts.bundle, '--id', opts.id, '--state-dir', opts.stateDir];
    if (opts.logPath) args.push('--log', opts.logPath);
    if (opts.logMaxSize !== undefined) args.push('--log-max-size', String(opts.logMaxSize));
    if (opts.logMaxFiles !== undefined) args.push('--log-max-files', String(opts.logMaxFiles));
    if (opts.init) args.push('--init');
    // Once per container start: from the exec worker (exec-off-thread.ts), not the event loop.
    const { stdout } = await execOffThread(this.binary, args).catch((err: ExecError) => {
      throw new ShimError('create', err.stderr.trim().replace(/^kapstan-shim /, '') || err.message, typeof err.code === 'number' ? err.code : null);
    });
    return { pid: Number.parseInt(stdout.trim(), 10) };
  }

  /** The state as the shim reports it (a dead monitor shows as stopped with an error). */
  async state(stateDir: string): Promise<ShimState> {
    const { stdout } = await this.run('state', ['state', '--state-dir', stateDir]);
    return JSON.parse(stdout) as ShimState;
  }

  async kill(stateDir: string, signal: number | NodeJS.Signals = 'SIGTERM', opts: { all?: boolean } = {}): Promise<void> {
    const args = ['kill', '--state-dir', stateDir, '--signal', String(signal)];
    if (opts.all) args.push('--all');
    await this.run('kill', args);
  }

  /** Runs a command in the container and collects its output. */
  async exec(stateDir: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const child = this.execStream(stateDir, argv, opts);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdin?.end();
    child.stdout?.on('data', (d: Buffer) => stdout.push(d));
    child.stderr?.on('data', (d: Buffer) => stderr.push(d));
    const exitCode = await new Promise<number>((res, rej) => {
      child.on('error', rej);
      child.on('close', (code, signal) => res(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    });
    return { exitCode, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
  }

  /** Starts `kapstan-shim exec` with piped stdio, for streaming (kctl exec). */
  execStream(stateDir: string, argv: string[], opts: ExecOptions = {}): ChildProcess {
    const args = ['exec', '--state-dir', stateDir];
    if (opts.tty) args.push('--tty');
    if (opts.cwd) args.push('--cwd', opts.cwd);
    for (const e of opts.env ?? []) args.push('--env', e);
    return spawn(this.binary, [...args, '--', ...argv], { stdio: 'pipe' });
  }

  /** Removes the cgroup and state file; force kills a running container first. */
  async delete(stateDir: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.run('delete', ['delete', '--state-dir', stateDir, ...(opts.force ? ['--force'] : [])]);
  }

  private run(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
    return new Promise((res, rej) => {
      execFile(this.binary, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return res({ stdout, stderr });
        const message = stderr.trim().replace(/^kapstan-shim /, '') || err.message;
        rej(new ShimError(command, message, typeof err.code === 'number' ? err.code : null));
      });
    });
  }
}

/**
 * The same, read synchronously: a few hundred bytes from the page cache cost microseconds, while an
 * async read is four thread-pool round trips; the relist reads one per container every second.
 */
export function readShimStateSync(stateDir: string): ShimState | null {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as ShimState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Reads SDIR/state.json without running the shim (cheap enough for relists); null if absent. */
export async function readShimState(stateDir: string): Promise<ShimState | null> {
  try {
    return JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as ShimState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
