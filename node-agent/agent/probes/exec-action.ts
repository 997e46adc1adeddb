// An exec action (probe or hook): the command runs in the container through `kapstan-shim exec` (the same
// path as `kctl exec`); a command that outlives its timeout is killed.
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { ShimClient } from '../../runtime/shim-client';

/** The kubelet keeps at most this much of a probe's output. */
export const MAX_OUTPUT = 10 * 1024;

export interface ExecOutcome {
  exitCode: number;
  /** stdout and stderr interleaved, cut to MAX_OUTPUT. */
  output: string;
  timedOut: boolean;
}

/** The host PIDs of a process's children (the command the shim forked inside the container). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Runs argv in the container; timeoutMs 0 means no limit. Rejects when the shim cannot run it at all. */
export function execInContainer(shim: ShimClient, stateDir: string, argv: string[], timeoutMs: number, signal?: AbortSignal): Promise<ExecOutcome> {
  return new Promise((resolve, reject) => {
    const child = shim.execStream(stateDir, argv);
    child.stdin?.end();
    let output = Buffer.alloc(0);
    const collect = (d: Buffer) => {
      if (output.length < MAX_OUTPUT) output = Buffer.concat([output, d]).subarray(0, MAX_OUTPUT);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let timedOut = false;
    // Kill the command itself (the shim's child), then the shim, which then reports 137.
    const kill = () => {
      if (child.pid) for (const pid of childPids(child.pid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      child.kill('SIGKILL');
    };
    const timer = timeoutMs > 0 ? setTimeout(() => { timedOut = true; kill(); }, timeoutMs) : undefined;
    signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      const text = output.toString();
      // The shim failed before running the command ("exec: container is not running").
      if (code === 1 && /^(exec|read state|open namespace|setns|join cgroup|load bundle): /.test(text)) return reject(new Error(text.trim()));
      resolve({ exitCode: code ?? 128 + (sig ? constants.signals[sig] : 0), output: text, timedOut });
    });
  });
}
