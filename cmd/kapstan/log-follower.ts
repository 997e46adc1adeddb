// Follows the logs of the app's pods on this machine, like `docker compose up`:
// one coloured prefix per pod and container, read from the CRI log files the
// shims write under the agent's data dir.
import { existsSync, openSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const COLOURS = [36, 33, 32, 35, 34, 91, 92, 93, 94, 95, 96];

interface Tail {
  container: FollowedContainer;
  file: string;
  offset: number;
  partial: string;
}

export interface FollowedContainer {
  podUid: string;
  podName: string;
  container: string;
}

export class LogFollower {
  private readonly tails = new Map<string, Tail>();
  private readonly colours = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private width = 0;

  constructor(
    private readonly podsDir: string,
    private readonly write: (line: string) => void,
    private readonly colour = true,
  ) {}

  start(intervalMs = 200): void {
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.poll();
  }

  follow(c: FollowedContainer): void {
    const key = `${c.podUid}/${c.container}`;
    if (!this.colours.has(c.podName)) this.colours.set(c.podName, COLOURS[this.colours.size % COLOURS.length]);
    this.width = Math.max(this.width, `${c.podName}/${c.container}`.length);
    if (!this.tails.has(key)) this.tails.set(key, { container: c, file: '', offset: 0, partial: '' });
  }

  forget(podUid: string): void {
    for (const key of [...this.tails.keys()]) if (key.startsWith(`${podUid}/`)) this.tails.delete(key);
  }

  /** Reads what is new in each container's newest log file. */
  poll(): void {
    for (const tail of this.tails.values()) {
      const meta = tail.container;
      const dir = join(this.podsDir, meta.podUid, 'containers', meta.container);
      const file = newestAttemptLog(dir);
      if (!file) continue;
      if (file !== tail.file) {
        tail.file = file;
        tail.offset = 0;
        tail.partial = '';
      }
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        continue;
      }
      if (size < tail.offset) tail.offset = 0; // rotated
      if (size === tail.offset) continue;
      const fd = openSync(file, 'r');
      const buf = Buffer.alloc(size - tail.offset);
      readSync(fd, buf, 0, buf.length, tail.offset);
      closeSync(fd);
      tail.offset = size;
      const text = tail.partial + buf.toString('utf8');
      const lines = text.split('\n');
      tail.partial = lines.pop() ?? '';
      for (const line of lines) this.print(meta, line);
    }
  }

  private print(c: FollowedContainer, criLine: string): void {
    // CRI format: TIMESTAMP STREAM TAG MESSAGE (tag P = partial line, F = full).
    const m = /^\S+ (stdout|stderr) ([PF]) (.*)$/.exec(criLine);
    const message = m ? m[3] : criLine;
    const label = `${c.podName}/${c.container}`.padEnd(this.width);
    const prefix = this.colour ? `\x1b[${this.colours.get(c.podName)}m${label} |\x1b[0m` : `${label} |`;
    this.write(`${prefix} ${message}`);
  }
}

function newestAttemptLog(containerDir: string): string | undefined {
  if (!existsSync(containerDir)) return undefined;
  const attempts = readdirSync(containerDir)
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .sort((a, b) => b - a);
  for (const a of attempts) {
    const f = join(containerDir, String(a), 'container.log');
    if (existsSync(f)) return f;
  }
  return undefined;
}
