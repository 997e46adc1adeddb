// Serves one `kubectl exec` request: runs the command in the container
// through `kapstan-shim exec` and relays stdin, stdout, stderr, terminal
// size and the exit code over the agent's ExecSession call.
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { ExecFrame, ExecOptions } from '../../../proto/generated/node';
import { readShimState, type ShimClient } from '../../runtime/shim-client';
import { attemptNumbers, attemptStateDir, containerDir } from './container-attempts';
import { resizeExecTerminal } from './terminal-resize';

export interface ExecTarget {
  podsDir: string;
  podUid: string;
  pod: string;
  container: string;
}

/** How long a command may outlive its session (SIGHUP) before it is killed. */
const HANGUP_GRACE_MS = 2_000;

const EMPTY = Buffer.alloc(0);

function frame(fields: Partial<ExecFrame>): ExecFrame {
  return { requestId: '', stdin: EMPTY, stdinClosed: false, stdout: EMPTY, stderr: EMPTY, ...fields };
}

/** Runs the exec on an already opened call; resolves when the call is finished. */
export async function serveExec(
  call: ClientDuplexStream<ExecFrame, ExecFrame>,
  requestId: string,
  target: ExecTarget,
  options: ExecOptions,
  shim: ShimClient,
): Promise<void> {
  const dir = containerDir(target.podsDir, target.podUid, target.container);
  const current = (await attemptNumbers(dir)).at(-1);
  const stateDir = current === undefined ? undefined : attemptStateDir(dir, current);
  const state = stateDir ? await readShimState(stateDir).catch(() => null) : null;
  if (!stateDir || state?.status !== 'running') {
    call.write(frame({ requestId, result: { exitCode: -1, error: { reason: 'BadRequest', message: `container "${target.container}" in pod "${target.pod}" is not running` } } }));
    call.end();
    return;
  }

  const child = shim.execStream(stateDir, options.command, { tty: options.tty });
  call.write(frame({ requestId }));
  const relayOut = (stream: Readable | null, field: 'stdout' | 'stderr', wanted: boolean) => {
    stream?.on('data', (data: Buffer) => {
      if (!wanted) return;
      if (!call.write(frame({ [field]: data }))) {
        stream.pause();
        call.once('drain', () => stream.resume());
      }
    });
  };
  // A TTY merges everything into the shim's stdout.
  relayOut(child.stdout, 'stdout', options.stdout || options.tty);
  relayOut(child.stderr, 'stderr', options.stderr);
  child.stdin?.on('error', () => undefined); // the command may exit before reading its input
  if (!options.stdin) child.stdin?.end();

  let exited = false;
  // Frames apply in order: input sent after a resize reaches a terminal of the new size.
  let applied: Promise<unknown> = Promise.resolve();
  call.on('data', (f: ExecFrame) => {
    applied = applied.then(async () => {
      if (f.resize && options.tty && child.pid) await resizeExecTerminal(child.pid, f.resize.width, f.resize.height);
      if (f.stdin.length && options.stdin) child.stdin?.write(f.stdin);
      if (f.stdinClosed) child.stdin?.end();
    });
  });
  // The server ended the session (the client left) or it broke: the command must not outlive it.
  let hungUp = false;
  const hangUp = () => {
    if (exited || hungUp) return;
    hungUp = true;
    hangUpCommand(child);
  };
  call.on('error', hangUp);
  call.on('end', hangUp);
  call.on('close', hangUp);

  const exitCode = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  exited = true;
  call.write(frame({ result: { exitCode } }));
  call.end();
}

/** The shim forwards SIGHUP to the command, as a closed terminal would; SIGKILL if it lingers. */
function hangUpCommand(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGHUP');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, HANGUP_GRACE_MS);
  timer.unref();
  child.once('close', () => clearTimeout(timer));
}
