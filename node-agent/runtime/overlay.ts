// Overlay rootfs for a container: read-only image layers below, the container's own upper/work dirs above.
// Like containerd's snapshotters, overlayMounts() only describes the mount; mountAll() performs it.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { execOffThread } from './exec-off-thread';

const run = promisify(execFile);

/** containerd's mount.Mount: what to mount, without the target. */
export interface MountDescription {
  type: string;
  source: string;
  options: string[];
}

export interface OverlayLayout {
  /** Unpacked layer directories, bottom (base image) first, as listed in the image manifest. */
  lowerDirs: string[];
  upperDir: string;
  workDir: string;
}

/**
 * The mounts for a container rootfs. With no layers it is a plain bind of the upper dir.
 * overlayfs wants the topmost lower layer first, so the manifest order is reversed.
 */
export function overlayMounts(layout: OverlayLayout): MountDescription[] {
  if (layout.lowerDirs.length === 0) {
    return [{ type: 'bind', source: layout.upperDir, options: ['rbind', 'rw'] }];
  }
  for (const dir of [...layout.lowerDirs, layout.upperDir, layout.workDir]) {
    // The kernel splits overlay options on ',' and lowerdir on ':'.
    if (/[,:]/.test(dir)) throw new Error(`overlay: path ${dir} contains ',' or ':'`);
  }
  return [{
    type: 'overlay',
    source: 'overlay',
    options: [
      'index=off',
      `lowerdir=${[...layout.lowerDirs].reverse().join(':')}`,
      `upperdir=${layout.upperDir}`,
      `workdir=${layout.workDir}`,
    ],
  }];
}

/** Mounts the descriptions on target in order (creating target, upper and work dirs as needed). */
export async function mountAll(mounts: MountDescription[], target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const m of mounts) {
    for (const opt of m.options) {
      const [key, value] = opt.split('=', 2);
      if ((key === 'upperdir' || key === 'workdir') && value) await mkdir(value, { recursive: true });
    }
    if (m.type === 'bind') {
      const flags = m.options.includes('rbind') ? '--rbind' : '--bind';
      await run('mount', [flags, m.source, target]);
      if (m.options.includes('ro')) await run('mount', ['-o', 'remount,bind,ro', target]);
    } else {
      // Once per container start: from the exec worker (exec-off-thread.ts), not the event loop.
      await execOffThread('mount', ['-t', m.type, '-o', m.options.join(','), m.source, target]);
    }
  }
}

/** Unmounts target (lazily, so an exiting container that still holds it does not block cleanup). */
export async function unmount(target: string): Promise<void> {
  try {
    await run('umount', ['-l', target]);
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '');
    if (/not mounted|no mount point|not found/i.test(stderr)) return;
    throw err;
  }
}
