// Runs a command from a worker thread. Node's spawn forks on the calling thread and blocks it until the
// child has exec'd: 2–15 ms per process on a loaded machine, half of the agent's event loop while pods
// start ten a second. Run from a worker, the wait no longer holds up other pods' syncs. The worker starts
// with the first command and ends a second after the last one, so an agent without pod churn keeps none.
import { Worker } from 'node:worker_threads';

export interface ExecOutput {
  stdout: string;
  stderr: string;
}

/** As execFile's error: the exit code (or a spawn error code such as ENOENT), stdout and stderr. */
export class ExecError extends Error {
  constructor(message: string, readonly code: number | string | null, readonly signal: string | null, readonly stdout: string, readonly stderr: string) {
    super(message);
  }
}

interface Reply {
  id: number;
  stdout: string;
  stderr: string;
  error: { message: string; code: number | string | null; signal: string | null } | null;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { execFile } = require('node:child_process');
parentPort.on('message', ({ id, file, args, input, maxBuffer }) => {
  const child = execFile(file, args, { encoding: 'utf8', maxBuffer }, (err, stdout, stderr) => {
    const error = err ? { message: err.message, code: err.code ?? null, signal: err.signal ?? null } : null;
    parentPort.postMessage({ id, stdout: String(stdout), stderr: String(stderr), error });
  });
  if (input !== undefined) child.stdin.end(input);
});
`;

const IDLE_MS = 1000;

interface ExecWorker {
  thread: Worker;
  pending: Map<number, { resolve(out: ExecOutput): void; reject(err: Error): void }>;
  idleTimer?: NodeJS.Timeout;
}

let current: ExecWorker | undefined;
let nextId = 0;

/** execFile(file, args) with optional stdin, run from the worker thread. */
export function execOffThread(file: string, args: string[], opts: { input?: string; maxBuffer?: number } = {}): Promise<ExecOutput> {
  return new Promise((resolve, reject) => {
    const w = (current ??= startWorker());
    clearTimeout(w.idleTimer);
    w.thread.ref(); // a command in flight keeps the process alive, as a child process does
    const id = nextId++;
    w.pending.set(id, { resolve, reject });
    w.thread.postMessage({ id, file, args, input: opts.input, maxBuffer: opts.maxBuffer ?? 64 * 1024 * 1024 });
  });
}

function startWorker(): ExecWorker {
  const thread = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 } });
  const w: ExecWorker = { thread, pending: new Map() };
  thread.on('message', (m: Reply) => {
    const p = w.pending.get(m.id);
    w.pending.delete(m.id);
    if (m.error) p?.reject(new ExecError(m.error.message, m.error.code, m.error.signal, m.stdout, m.stderr));
    else p?.resolve({ stdout: m.stdout, stderr: m.stderr });
    if (w.pending.size === 0) {
      thread.unref();
      w.idleTimer = setTimeout(() => stopIfIdle(w), IDLE_MS).unref();
    }
  });
  const fail = (err: Error) => {
    if (current === w) current = undefined;
    for (const p of w.pending.values()) p.reject(err);
    w.pending.clear();
  };
  thread.on('error', fail);
  thread.on('exit', (code) => fail(new Error(`the exec worker exited (${code})`)));
  return w;
}

function stopIfIdle(w: ExecWorker): void {
  if (current !== w || w.pending.size > 0) return;
  current = undefined;
  void w.thread.terminate();
}
