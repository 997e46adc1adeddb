// The two marks overlayfs reads in a lower layer: a 0:0 character device for a deleted file (an OCI
// ".wh.NAME" entry) and the trusted.overlay.opaque=y xattr for a directory that hides the layers below
// (".wh..wh..opq"); plus the other file attributes Node cannot set (device nodes, xattrs).
// Node has neither mknod nor setxattr, so mknod(1) and setfattr(1) (Debian's attr) do it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function runTool(cmd: string, args: string[], pkg: string): Promise<void> {
  try {
    await run(cmd, args);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${cmd} not found: apt-get install -y ${pkg}`);
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`${cmd} ${args.join(' ')} failed: ${stderr || (err as Error).message}`);
  }
}

export async function makeWhiteout(path: string): Promise<void> {
  await runTool('mknod', ['-m', '000', path, 'c', '0', '0'], 'coreutils');
}

export async function markOpaque(dir: string): Promise<void> {
  await runTool('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', dir], 'attr');
}

/** Sets one extended attribute, without following a symlink at path. */
export async function setXattr(path: string, name: string, value: Buffer): Promise<void> {
  await runTool('setfattr', ['-h', '-n', name, '-v', `0x${value.toString('hex')}`, path], 'attr');
}

export async function makeDeviceNode(path: string, type: 'char' | 'block' | 'fifo', mode: number, major: number, minor: number): Promise<void> {
  const args = ['-m', (mode & 0o7777).toString(8), path, type === 'char' ? 'c' : type === 'block' ? 'b' : 'p'];
  if (type !== 'fifo') args.push(String(major), String(minor));
  await runTool('mknod', args, 'coreutils');
}

/** The opaque mark of a directory, or undefined (used by tests and by checks of an unpacked layer). */
export async function readOpaque(dir: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', dir]);
    return stdout;
  } catch {
    return undefined;
  }
}
