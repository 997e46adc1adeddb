// A container's volumeMounts as OCI bind mounts. subPath mounts a path inside the volume, which must stay
// inside it even when the container races symlinks into its emptyDir (CVE-2017-1002101). As the kubelet
// does: symlinks are resolved first (they may point within the volume), then the resolved path is walked
// one component at a time with O_PATH|O_NOFOLLOW below the pinned parent (openat through
// /proc/self/fd/N/name), so a swap in between fails instead of escaping; missing directories are made the
// same way. The pinned object is bind-mounted through /proc/<pid>/fd/N onto a path the containers cannot
// see (DATA/pods/<uid>/volume-subpaths/<volume>/<container>/<index>), which the bundle then binds.
import { execFile } from 'node:child_process';
import { close, constants, fstat, mkdir as mkdirCb, open } from 'node:fs';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { dirname, join, posix, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import type { OciMount } from '../../runtime/oci-spec';
import { unmount } from '../../runtime/overlay';
import { mountPoints } from '../pod-sandbox';
import type { ContainerSpec } from '../pod-types';
import { VolumeError } from './payloads';
import type { MountedVolume } from './pod-volumes';

const run = promisify(execFile);
const openAsync = promisify(open);
const fstatAsync = promisify(fstat);
const closeAsync = promisify(close);
const mkdirAsync = promisify(mkdirCb);

/** O_PATH (Linux): a descriptor that names an object without opening it for I/O. Node does not export it. */
const O_PATH = 0o10000000;
const PIN = O_PATH | constants.O_NOFOLLOW;

/** subPath rules of Kubernetes' validation: relative, no '..' element. */
export function subPathProblem(subPath: string): string | undefined {
  if (posix.isAbsolute(subPath)) return `subPath ${subPath} must be a relative path`;
  if (subPath.split('/').includes('..')) return `subPath ${subPath} must not contain '..'`;
  return undefined;
}

export function subPathsDir(podDir: string): string {
  return join(podDir, 'volume-subpaths');
}

/** Opens root/…parts with O_PATH, never following a symlink; creates missing directories when asked. */
async function openBeneath(root: string, parts: string[], subPath: string, create: boolean): Promise<number> {
  let fd = await openAsync(root, O_PATH | constants.O_DIRECTORY);
  try {
    for (const [i, name] of parts.entries()) {
      const at = `/proc/self/fd/${fd}/${name}`;
      const next = await openAsync(at, PIN).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT' || !create) throw new VolumeError(`subPath ${subPath} does not exist in the volume`);
        await mkdirAsync(at, 0o755).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
        return openAsync(at, PIN);
      });
      const st = await fstatAsync(next);
      if (st.isSymbolicLink() || (i < parts.length - 1 && !st.isDirectory())) {
        await closeAsync(next);
        throw new VolumeError(`subPath ${subPath}: ${name} is a symlink or not a directory (refused: it could lead out of the volume)`);
      }
      await closeAsync(fd);
      fd = next;
    }
    return fd;
  } catch (err) {
    await closeAsync(fd);
    throw err;
  }
}

/** Pins the subPath object and binds it onto target. */
async function bindSubPath(volume: MountedVolume, subPath: string, target: string): Promise<void> {
  const problem = subPathProblem(subPath);
  if (problem) throw new VolumeError(problem);
  const root = await realpath(volume.path);
  const resolved = await realpath(join(root, subPath)).catch(() => undefined);
  if (resolved !== undefined && resolved !== root && !resolved.startsWith(root + sep)) {
    throw new VolumeError(`subPath ${subPath} resolves outside the volume (${resolved})`);
  }
  // A missing subPath is made as a directory (the kubelet does, except in read-only API volumes).
  if (resolved === undefined && volume.forceReadOnly) throw new VolumeError(`subPath ${subPath} does not exist in the volume`);
  const parts = (resolved !== undefined ? relative(root, resolved) : posix.normalize(subPath)).split('/').filter((p) => p && p !== '.');
  const fd = await openBeneath(root, parts, subPath, resolved === undefined);
  try {
    const st = await fstatAsync(fd);
    if (mountPoints().has(target)) await unmount(target); // an earlier attempt's
    await mkdir(dirname(target), { recursive: true });
    if (st.isDirectory()) await mkdir(target, { recursive: true });
    else await writeFile(target, '', { flag: 'a' });
    // --no-canonicalize: mount(2) itself follows the magic link to the pinned object.
    await run('mount', ['--no-canonicalize', '--bind', `/proc/${process.pid}/fd/${fd}`, target]);
  } finally {
    await closeAsync(fd);
  }
}

/** The container's volume mounts, parents before children; subPaths are bound under podDir first. */
export async function containerVolumeMounts(c: ContainerSpec, volumes: Map<string, MountedVolume>, podDir: string): Promise<OciMount[]> {
  const mounts: OciMount[] = [];
  for (const [index, m] of (c.volumeMounts ?? []).entries()) {
    const volume = volumes.get(m.name);
    if (!volume) throw new VolumeError(`volumeMount ${m.name}: the pod has no volume of that name`);
    let source = volume.path;
    if (m.subPath) {
      source = join(subPathsDir(podDir), m.name, c.name, String(index));
      await bindSubPath(volume, m.subPath, source);
    }
    const readOnly = m.readOnly || volume.forceReadOnly;
    mounts.push({ destination: m.mountPath, type: 'bind', source, options: ['rbind', 'rprivate', readOnly ? 'ro' : 'rw'] });
  }
  return sortByDepth(mounts);
}

export function sortByDepth(mounts: OciMount[]): OciMount[] {
  const depth = (m: OciMount) => posix.normalize(m.destination).split('/').filter(Boolean).length;
  return [...mounts].sort((a, b) => depth(a) - depth(b));
}
