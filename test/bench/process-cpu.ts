// CPU time of processes by PID from /proc/<pid>/stat (utime + stime), so a
// benchmark can report CPU per operation for each process involved. CPU per
// operation does not move with other load on a shared machine; wall-clock
// rates do.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU microseconds a process has used so far. */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / TICKS_PER_SECOND;
}

export type CpuSample = Record<string, number>;

/** Starts a measurement over named PIDs; the returned function gives µs per op for each. */
export function measureCpu(pids: Record<string, number>): (ops: number) => CpuSample {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMicros(pid)]));
  return (ops) =>
    Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => [name, Math.round((processCpuMicros(pid) - before[name]) / Math.max(1, ops))]),
    );
}
