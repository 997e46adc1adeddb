// The node conditions sent with each heartbeat: Ready (with the reason when not), DiskPressure,
// MemoryPressure and PIDPressure, from checks of the runtime helper and the machine.
import { accessSync, constants, readFileSync } from 'node:fs';
import type { NodeCondition } from '../../proto/generated/node';
import { diskUsage } from './machine-info';

export interface NodeHealthInputs {
  shimBinary: string;
  dataDir: string;
}

export interface NodeHealth {
  runtimeProblem?: string;
  diskPressure: boolean;
  memoryPressure: boolean;
  pidPressure: boolean;
}

/** The kubelet's hard eviction thresholds. */
const NODEFS_AVAILABLE_MIN = 0.1;
const MEMORY_AVAILABLE_MIN_BYTES = 100 * 1024 * 1024;

export function checkNodeHealth(inputs: NodeHealthInputs): NodeHealth {
  let runtimeProblem: string | undefined;
  try {
    accessSync(inputs.shimBinary, constants.X_OK);
  } catch {
    runtimeProblem = `container runtime helper ${inputs.shimBinary} is missing or not executable (build it with npm run build)`;
  }
  const disk = diskUsage(inputs.dataDir);
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const available = Number(/^MemAvailable:\s+(\d+) kB$/m.exec(meminfo)?.[1] ?? Infinity) * 1024;
  const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  const threads = Number(/^\S+ \S+ \S+ (\d+)\//.exec(readFileSync('/proc/loadavg', 'utf8'))?.[1] ?? 0);
  return {
    runtimeProblem,
    diskPressure: disk.availableBytes < disk.totalBytes * NODEFS_AVAILABLE_MIN,
    memoryPressure: available < MEMORY_AVAILABLE_MIN_BYTES,
    pidPressure: threads > pidMax * 0.9,
  };
}

export function nodeConditions(health: NodeHealth): NodeCondition[] {
  const pressure = (type: string, on: boolean, reasons: [ok: string, bad: string], message: string): NodeCondition => ({
    type, status: on ? 'True' : 'False', reason: on ? reasons[1] : reasons[0], message: on ? message : `kapstan agent has no ${type}`,
  });
  const problems = [
    health.runtimeProblem,
    health.diskPressure ? 'disk pressure: less than 10% of the data dir\'s filesystem is free' : undefined,
  ].filter((p): p is string => Boolean(p));
  const ready: NodeCondition = problems.length
    ? { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: problems.join('; ') }
    : { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kapstan agent is posting ready status' };
  return [
    ready,
    pressure('MemoryPressure', health.memoryPressure, ['KubeletHasSufficientMemory', 'KubeletHasInsufficientMemory'], 'available memory is below 100Mi'),
    pressure('DiskPressure', health.diskPressure, ['KubeletHasNoDiskPressure', 'KubeletHasDiskPressure'], 'less than 10% of the node filesystem is available'),
    pressure('PIDPressure', health.pidPressure, ['KubeletHasSufficientPID', 'KubeletHasInsufficientPID'], 'more than 90% of pid_max is in use'),
  ];
}
