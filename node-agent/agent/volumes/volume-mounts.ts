// A container's volumeMounts as OCI bind mounts. subPath mounts a path inside the volume, which must stay
// inside it even through symlinks (a container could plant one in an emptyDir to reach the node's files),
// so the source is the resolved path, checked against the resolved volume root.
import { mkdir, realpath } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';
import type { OciMount } from '../../runtime/oci-spec';
import type { ContainerSpec } from '../pod-types';
import { VolumeError } from './payloads';
import type { MountedVolume } from './pod-volumes';

/** subPath rules of Kubernetes' validation: relative, no '..' element. */
export function subPathProblem(subPath: string): string | undefined {
  if (posix.isAbsolute(subPath)) return `subPath ${subPath} must be a relative path`;
  if (subPath.split('/').includes('..')) return `subPath ${subPath} must not contain '..'`;
  return undefined;
}

async function subPathSource(volume: MountedVolume, subPath: string): Promise<string> {
  const problem = subPathProblem(subPath);
  if (problem) throw new VolumeError(problem);
  const root = await realpath(volume.path);
  const wanted = join(root, subPath);
  // The kubelet creates a missing subPath as a directory (not in read-only API volumes).
  if (!volume.forceReadOnly) await mkdir(wanted, { recursive: true, mode: 0o755 }).catch(() => undefined);
  const resolved = await realpath(wanted).catch(() => {
    throw new VolumeError(`subPath ${subPath} does not exist in the volume`);
  });
  if (resolved !== root && !resolved.startsWith(root + sep)) throw new VolumeError(`subPath ${subPath} resolves outside the volume (${resolved})`);
  return resolved;
}

/** The container's volume mounts, parents before children. */
export async function containerVolumeMounts(c: ContainerSpec, volumes: Map<string, MountedVolume>): Promise<OciMount[]> {
  const mounts: OciMount[] = [];
  for (const m of c.volumeMounts ?? []) {
    const volume = volumes.get(m.name);
    if (!volume) throw new VolumeError(`volumeMount ${m.name}: the pod has no volume of that name`);
    const source = m.subPath ? await subPathSource(volume, m.subPath) : volume.path;
    const readOnly = m.readOnly || volume.forceReadOnly;
    mounts.push({ destination: m.mountPath, type: 'bind', source, options: ['rbind', 'rprivate', readOnly ? 'ro' : 'rw'] });
  }
  return sortByDepth(mounts);
}

export function sortByDepth(mounts: OciMount[]): OciMount[] {
  const depth = (m: OciMount) => posix.normalize(m.destination).split('/').filter(Boolean).length;
  return [...mounts].sort((a, b) => depth(a) - depth(b));
}
