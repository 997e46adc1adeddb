// Last-resort clean-up for tests and benchmarks that start agents: whatever
// still runs or is mounted under their temporary directory is stopped by PID
// and unmounted, even when the test failed half-way.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PIDs (with their command lines) of processes whose arguments mention `text`. */
export function processesMentioning(text: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(text)) out.push({ pid, cmd });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((p): p is string => !!p && (p === dir || p.startsWith(`${dir}/`)));
}

export async function stopEverythingUnder(dir: string): Promise<void> {
  for (const { pid } of processesMentioning(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const m of mountsUnder(dir).reverse()) await run('umount', ['-l', m]).catch(() => undefined);
}
