// Last-resort clean-up for tests and benchmarks that start agents: whatever
// still runs or is mounted under their temporary directory is stopped by PID
// and unmounted, and the cgroups of the pods kept there are removed, even when
// the test failed half-way.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cgroupDirs } from '../../node-agent/runtime/cgroups';

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
  await removePodCgroups(podUidsUnder(dir));
}

/** UIDs of the pods agents keep under `dir` (their `pods/<uid>` directories, a few levels down). */
export function podUidsUnder(dir: string, depth = 4): string[] {
  const uids: string[] = [];
  const walk = (d: string, left: number) => {
    let entries: string[];
    try {
      entries = readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return;
    }
    for (const name of entries) {
      if (name === 'pods') uids.push(...safeList(join(d, name)).filter((u) => /^[0-9a-f-]{36}$/.test(u)));
      else if (left > 0) walk(join(d, name), left - 1);
    }
  };
  walk(dir, depth);
  return uids;
}

/**
 * Removes `/kapstan/pod<uid>` (and its container cgroups) in every hierarchy, v1 or v2. The
 * processes were killed just before, so a cgroup may need a moment to empty.
 */
export async function removePodCgroups(uids: string[]): Promise<void> {
  for (const uid of uids) {
    for (const pod of cgroupDirs(`kapstan/pod${uid}`)) {
      for (let attempt = 0; attempt < 20 && existsSync(pod); attempt++) {
        removeTree(pod);
        if (existsSync(pod)) await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

/** rmdir of a cgroup directory, children first (cgroup files cannot be deleted, only directories). */
function removeTree(dir: string): void {
  let children: string[] = [];
  try {
    children = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return; // gone
  }
  for (const child of children) removeTree(join(dir, child));
  try {
    rmdirSync(dir);
  } catch {
    // busy (still a process in it) or gone
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
