// Serves one `kubectl logs` request from the CRI log files on disk: the
// current attempt (or the previous one), tailLines / sinceSeconds /
// timestamps, and with follow, polling for new lines, following rotation of
// the file and moving on to the next attempt when the container restarts. A
// follow ends when the container has stopped for good (its pod's
// restartPolicy will not start it again), when the pod's directory is
// removed, or when the reader goes away.
import { existsSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../../../api/errors';
import { attemptLogPath, attemptNumbers, attemptState, containerDir, isFinalAttempt, storedRestartPolicy } from './container-attempts';
import { CriLogFormatter, LineSplitter, parseCriLines, selectLines, type LogSelection } from './cri-log';

export interface ContainerLogRequest {
  podsDir: string;
  podUid: string;
  pod: string;
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  /** RFC 3339: only lines written at or after it. */
  sinceTime?: string;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
  pollIntervalMs?: number;
}

/** Writes log output; resolves when the receiver can take more. */
export type LogSink = (data: string | Buffer) => Promise<void>;

/** Finds the log to read or throws the error kubectl shows (before anything is written). */
export async function openContainerLog(req: ContainerLogRequest): Promise<{ run(sink: LogSink, signal: AbortSignal): Promise<void> }> {
  const dir = containerDir(req.podsDir, req.podUid, req.container);
  const attempts = await attemptNumbers(dir);
  if (attempts.length === 0) {
    throw new ApiError('BadRequest', `container "${req.container}" in pod "${req.pod}" is waiting to start: ContainerCreating`);
  }
  if (req.previous && attempts.length < 2) {
    throw new ApiError('BadRequest', `previous terminated container "${req.container}" in pod "${req.pod}" not found`);
  }
  const attempt = req.previous ? attempts[attempts.length - 2] : attempts[attempts.length - 1];
  const selection: LogSelection = {
    tailLines: req.tailLines,
    sinceMs: req.sinceTime ? Date.parse(req.sinceTime) : req.sinceSeconds === undefined ? undefined : Date.now() - req.sinceSeconds * 1000,
  };
  return {
    run: (sink, signal) => {
      const plan = { req, dir, attempt, selection, follow: req.follow && !req.previous };
      if (req.limitBytes === undefined) return streamLog(plan, sink, signal);
      // Past the limit: cut the text, and stop reading (also a follow).
      const limited = new AbortController();
      const stop = () => limited.abort();
      signal.addEventListener('abort', stop);
      let left = req.limitBytes;
      const limitedSink: LogSink = async (data) => {
        if (left <= 0) return;
        let bytes = Buffer.from(data);
        if (bytes.length >= left) {
          bytes = bytes.subarray(0, left);
          limited.abort();
        }
        left -= bytes.length;
        await sink(bytes);
      };
      return streamLog(plan, limitedSink, limited.signal).finally(() => signal.removeEventListener('abort', stop));
    },
  };
}

interface StreamPlan {
  req: ContainerLogRequest;
  dir: string;
  attempt: number;
  selection: LogSelection;
  follow: boolean;
}

async function streamLog(plan: StreamPlan, sink: LogSink, signal: AbortSignal): Promise<void> {
  const formatter = new CriLogFormatter(plan.req.timestamps);
  const poll = plan.req.pollIntervalMs ?? 200;
  let attempt = plan.attempt;
  let reader = await LogFileReader.open(attemptLogPath(plan.dir, attempt));
  try {
    // The first read applies tail/since to what is there; later reads only since.
    const initial = selectLines(parseCriLines(await reader.readLines()), plan.selection);
    await sink(formatter.format(initial.flat()));
    if (!plan.follow) return;
    const sinceOnly: LogSelection = { sinceMs: plan.selection.sinceMs };
    while (!signal.aborted) {
      const lines = await reader.readLines();
      if (lines.length) {
        await sink(formatter.format(selectLines(parseCriLines(lines), sinceOnly).flat()));
        continue;
      }
      if (await reader.rotated()) {
        reader = await reader.reopen();
        continue;
      }
      const newest = (await attemptNumbers(plan.dir)).at(-1);
      if (newest === undefined && !existsSync(plan.dir)) return; // the pod was removed
      if (newest !== undefined && newest > attempt) {
        attempt = newest;
        await reader.close();
        reader = await LogFileReader.open(attemptLogPath(plan.dir, attempt));
        continue;
      }
      const state = await attemptState(plan.dir, attempt);
      if (state && isFinalAttempt(state, await storedRestartPolicy(plan.req.podsDir, plan.req.podUid))) {
        // The monitor writes the last lines before it records the exit: one more read gets them all.
        await sink(formatter.format(selectLines(parseCriLines(await reader.readLines()), sinceOnly).flat()));
        return;
      }
      await sleep(poll, undefined, { signal }).catch(() => undefined);
    }
  } finally {
    await reader.close();
  }
}

/** Reads a growing file from where it left off; a missing file reads as empty until it appears. */
class LogFileReader {
  private offset = 0;
  private readonly splitter = new LineSplitter();

  private constructor(readonly path: string, private handle: FileHandle | undefined) {}

  static async open(path: string): Promise<LogFileReader> {
    return new LogFileReader(path, await openIfExists(path));
  }

  async readLines(): Promise<string[]> {
    this.handle ??= await openIfExists(this.path);
    if (!this.handle) return [];
    const lines: string[] = [];
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await this.handle.read(buf, 0, buf.length, this.offset);
      if (bytesRead === 0) return lines;
      this.offset += bytesRead;
      lines.push(...this.splitter.push(buf.subarray(0, bytesRead)));
      if (lines.length > 1000) return lines; // let the caller send before reading on
    }
  }

  /** The path now names another file (the shim rotated the log). */
  async rotated(): Promise<boolean> {
    if (!this.handle) return false;
    try {
      const [mine, current] = await Promise.all([this.handle.stat(), stat(this.path)]);
      return mine.ino !== current.ino;
    } catch {
      return false;
    }
  }

  async reopen(): Promise<LogFileReader> {
    await this.close();
    return LogFileReader.open(this.path);
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
