// Where a container's attempts live on disk (container-runtime.ts's layout):
// PODS/<podUid>/containers/<name>/<attempt>/{state/,container.log}.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readShimState, type ShimState } from '../../runtime/shim-client';

export function containerDir(podsDir: string, podUid: string, container: string): string {
  return join(podsDir, podUid, 'containers', container);
}

/** The attempt numbers present, oldest first ([] when the container never started). */
export async function attemptNumbers(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
}

export function attemptLogPath(dir: string, attempt: number): string {
  return join(dir, String(attempt), 'container.log');
}

export function attemptStateDir(dir: string, attempt: number): string {
  return join(dir, String(attempt), 'state');
}

/** The attempt's shim state, or what was kept of it (final.json) once retired; null if neither. */
export async function attemptState(dir: string, attempt: number): Promise<ShimState | null> {
  const live = await readShimState(attemptStateDir(dir, attempt)).catch(() => null);
  if (live) return live;
  try {
    return JSON.parse(await readFile(join(dir, String(attempt), 'final.json'), 'utf8')) as ShimState;
  } catch {
    return null;
  }
}

/** The pod's restartPolicy as the agent stored it (PODS/<uid>/pod.json); Always when unknown. */
export async function storedRestartPolicy(podsDir: string, podUid: string): Promise<string> {
  try {
    const pod = JSON.parse(await readFile(join(podsDir, podUid, 'pod.json'), 'utf8')) as { spec?: { restartPolicy?: string } };
    return pod.spec?.restartPolicy ?? 'Always';
  } catch {
    return 'Always';
  }
}

/** Whether a stopped attempt is the container's last: its pod will not start another. */
export function isFinalAttempt(state: ShimState, restartPolicy: string): boolean {
  if (state.status !== 'stopped') return false;
  if (restartPolicy === 'Never') return true;
  return restartPolicy === 'OnFailure' && state.exitCode === 0;
}
