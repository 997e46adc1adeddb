// Sets the window size of an exec's terminal. kapstan-shim keeps the pty
// master to itself, so the size is set on the slave instead: the shim's
// child (the exec'd process) has it as fd 0, which `stty -F` can open
// through /proc as root; the kernel then sends SIGWINCH to the foreground job.
import { execFile } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

async function childOf(pid: number): Promise<number | undefined> {
  try {
    const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
    return children.length ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** fd 0 of the process, once it is the terminal (right after fork it is still the shim's pipe). */
async function terminalOf(pid: number): Promise<string | undefined> {
  const path = `/proc/${pid}/fd/0`;
  try {
    return (await readlink(path)).startsWith('/dev/pts/') ? path : undefined;
  } catch {
    return undefined;
  }
}

function stty(device: string, width: number, height: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('stty', ['-F', device, 'rows', String(height), 'cols', String(width)], (err) => resolve(!err));
  });
}

/** Best effort: waits up to ~2 s for the shim's child to hold its terminal, then applies the size. */
export async function resizeExecTerminal(shimPid: number, width: number, height: number): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    const child = await childOf(shimPid);
    const device = child === undefined ? undefined : await terminalOf(child);
    if (device && (await stty(device, width, height))) return true;
    await sleep(50);
  }
  return false;
}
