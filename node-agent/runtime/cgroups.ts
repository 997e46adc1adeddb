// Which cgroup layout the machine mounts, and where a container's cgroup lives in it.
// Paths are resolved the way kapstan-shim does (node-agent/helper/cgroup.c): from each hierarchy's root.
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

export type CgroupVersion = 'v1' | 'v2';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** v2 when the unified hierarchy is mounted at /sys/fs/cgroup itself (not only at /sys/fs/cgroup/unified). */
export function detectCgroupVersion(root = CGROUP_ROOT): CgroupVersion {
  return existsSync(join(root, 'cgroup.controllers')) ? 'v2' : 'v1';
}

/** Mount points of the v1 hierarchies, by controller name (cpu, memory, pids, name=systemd → systemd, …). */
export function v1Hierarchies(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right || right.split(' ')[0] !== 'cgroup') continue;
    const mountPoint = left.split(' ')[4];
    out.set(mountPoint.slice(mountPoint.lastIndexOf('/') + 1), mountPoint);
  }
  return out;
}

/** Every directory of the cgroup at cgroupsPath: one per v1 hierarchy, or the single v2 one. */
export function cgroupDirs(cgroupsPath: string, version = detectCgroupVersion()): string[] {
  const rel = cgroupsPath.replace(/^\/+/, '');
  if (version === 'v2') return [join(CGROUP_ROOT, rel)];
  return [...v1Hierarchies().values()].map((mountPoint) => join(mountPoint, rel));
}

/** Directory holding a controller's files (memory, cpu, pids) for cgroupsPath. */
export function controllerDir(cgroupsPath: string, controller: string, version = detectCgroupVersion()): string {
  const rel = cgroupsPath.replace(/^\/+/, '');
  if (version === 'v2') return join(CGROUP_ROOT, rel);
  const mountPoint = v1Hierarchies().get(controller);
  if (!mountPoint) throw new Error(`cgroup v1 controller ${controller} is not mounted`);
  return join(mountPoint, rel);
}

/** The memory limit in bytes, or null when unlimited. */
export async function readMemoryLimit(cgroupsPath: string, version = detectCgroupVersion()): Promise<number | null> {
  const dir = controllerDir(cgroupsPath, 'memory', version);
  const raw = (await readFile(join(dir, version === 'v2' ? 'memory.max' : 'memory.limit_in_bytes'), 'utf8')).trim();
  if (raw === 'max') return null;
  const value = Number(raw);
  // v1 reports "unlimited" as a page-aligned LONG_MAX.
  return value >= 2 ** 62 ? null : value;
}

/**
 * Removes the cgroup and then its empty parents up to (not including) stopAt, e.g. remove
 * /kapstan/pod-1/c1 up to /kapstan. Directories still in use are left alone.
 */
export async function removeCgroup(cgroupsPath: string, stopAt = '/', version = detectCgroupVersion()): Promise<void> {
  const stop = stopAt.replace(/^\/+|\/+$/g, '');
  let rel = cgroupsPath.replace(/^\/+|\/+$/g, '');
  while (rel && rel !== stop) {
    for (const dir of cgroupDirs(rel, version)) {
      try {
        await rmdir(dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'EBUSY' && code !== 'ENOTEMPTY') throw err;
      }
    }
    rel = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
  }
}
