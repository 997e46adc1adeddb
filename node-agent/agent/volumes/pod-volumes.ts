// A pod's volumes on the node, under DATA/pods/<uid>/volumes/<plugin>/<name> as the kubelet lays them out:
// emptyDir (a directory, or a tmpfs for medium Memory), hostPath (checked per its type), and the volumes
// whose files come from the API (configMap, secret, downwardAPI, projected), written with writeAtomically
// on every sync so they follow their sources. Secret and projected volumes sit on a tmpfs so their
// content never reaches the node's disk. Containers get them through bind mounts (volume-mounts.ts).
import { execFile } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { integerValue } from '../../../api/quantity';
import { mountPoints } from '../pod-sandbox';
import type { Pod, Volume } from '../pod-types';
import { unmount } from '../../runtime/overlay';
import { writeAtomically } from './atomic-writer';
import { prepareHostPath } from './host-path';
import { VolumeError, volumePayload, type VolumeSources } from './payloads';

const run = promisify(execFile);

const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

type Plugin = keyof typeof PLUGIN_DIRS;

export interface MountedVolume {
  /** Where the volume is on the node. */
  path: string;
  /** configMap, secret, downwardAPI and projected volumes are always mounted read-only. */
  forceReadOnly: boolean;
}

export function volumesDir(podDir: string): string {
  return join(podDir, 'volumes');
}

function pluginOf(v: Volume): Plugin | 'hostPath' | undefined {
  for (const key of ['emptyDir', 'hostPath', 'configMap', 'secret', 'downwardAPI', 'projected'] as const) if (v[key]) return key;
  return undefined;
}

async function ensureTmpfs(dir: string, options: string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (mountPoints().has(dir)) return;
  await run('mount', ['-t', 'tmpfs', '-o', ['nosuid', 'nodev', ...options].join(','), 'tmpfs', dir]);
}

async function setUpVolume(podDir: string, pod: Pod, v: Volume, sources: VolumeSources): Promise<MountedVolume> {
  const plugin = pluginOf(v);
  if (!plugin) {
    const kind = Object.keys(v).find((k) => k !== 'name') ?? 'an empty';
    throw new VolumeError(`${kind} volumes are not supported by this agent`);
  }
  if (plugin === 'hostPath') {
    await prepareHostPath(v.hostPath!.path, v.hostPath!.type ?? '');
    return { path: v.hostPath!.path, forceReadOnly: false };
  }
  const dir = join(volumesDir(podDir), PLUGIN_DIRS[plugin], v.name);
  if (plugin === 'emptyDir') {
    if (v.emptyDir!.medium === 'Memory') {
      const limit = v.emptyDir!.sizeLimit;
      await ensureTmpfs(dir, ['mode=1777', ...(limit !== undefined ? [`size=${integerValue(limit)}`] : [])]);
    } else {
      await mkdir(dir, { recursive: true });
    }
    await chmod(dir, 0o777); // as the kubelet: any container user may write to it
    return { path: dir, forceReadOnly: false };
  }
  // The payload is built before anything is touched: a missing source leaves the old files in place.
  const payload = volumePayload(pod, v, sources)!;
  if (plugin === 'secret' || plugin === 'projected') await ensureTmpfs(dir, ['mode=0755']);
  await writeAtomically(dir, payload);
  return { path: dir, forceReadOnly: true };
}

/**
 * Sets up (or refreshes) every volume of the pod; the objects of volumeObjectRefs must be in `sources`.
 * The first failure is thrown as a VolumeError naming the volume, with the kubelet's wording.
 */
export async function setUpVolumes(podDir: string, pod: Pod, sources: VolumeSources): Promise<Map<string, MountedVolume>> {
  const out = new Map<string, MountedVolume>();
  for (const v of pod.spec.volumes ?? []) {
    try {
      out.set(v.name, await setUpVolume(podDir, pod, v, sources));
    } catch (err) {
      throw new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : ${(err as Error).message}`);
    }
  }
  return out;
}

/**
 * Unmounts the subPath binds and every tmpfs the pod's volumes hold (deepest first); removing the
 * directories is the caller's.
 */
export async function tearDownVolumes(podDir: string): Promise<void> {
  const roots = [join(podDir, 'volume-subpaths'), volumesDir(podDir)];
  const mounted = [...mountPoints()].filter((m) => roots.some((r) => m.startsWith(`${r}/`))).sort((a, b) => b.length - a.length);
  for (const m of mounted) await unmount(m);
}
