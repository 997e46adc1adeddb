// Unpacks one OCI layer (a tar, gzip-compressed or not) into a directory of its own, once; containers
// then stack these directories as overlay lower dirs. OCI whiteouts become overlayfs marks, and no entry
// may write outside the layer: absolute names and ".." are refused, parents are never followed through a
// symlink, and hard links may only point at files of the same layer.
import { randomBytes } from 'node:crypto';
import { lchown, link, lstat, lutimes, mkdir, open, rename, rm, symlink, chmod, utimes, stat } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { ApiError } from '../../api/errors';
import { decompressed } from './compression';
import { DigestingCounter } from './digest';
import { makeDeviceNode, makeWhiteout, markOpaque, setXattr } from './overlay-markers';
import { readTar, TarEntry } from './tar-reader';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/**
 * Extended attributes a layer may set: file capabilities (ping, …) and user.*. Never trusted.*: a layer
 * that could write trusted.overlay.* would forge overlayfs metadata (opaque dirs, redirects).
 */
export function allowedXattr(name: string): boolean {
  return name === 'security.capability' || name.startsWith('user.');
}

export interface UnpackResult {
  /** sha256 of the uncompressed tar: the layer's diff ID. */
  diffId: string;
  entries: number;
}

function refuse(path: string, why: string): never {
  throw new ApiError('Forbidden', `layer entry "${path}" refused: ${why}`);
}

/** Splits an entry name into safe components ("./a//b/" → ["a","b"]); refuses absolute names and "..". */
export function safeComponents(name: string): string[] {
  if (name.startsWith('/')) refuse(name, 'absolute path');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) refuse(name, 'path escapes the layer with ".."');
  if (parts.some((p) => p.includes('\0'))) refuse(name, 'NUL in path');
  return parts;
}

async function* counted(source: AsyncIterable<Buffer>, counter: DigestingCounter): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    counter.update(chunk);
    yield chunk;
  }
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Applies tar entries to a directory, keeping track of which parents are known to be real directories. */
class LayerWriter {
  /** Relative paths checked (or made) to be real directories, never symlinks. */
  private readonly realDirs = new Set<string>(['']);
  private readonly dirTimes: Array<[string, number]> = [];

  constructor(private readonly root: string) {}

  /** Makes every parent of parts a real directory, refusing to walk through anything else. */
  private async ensureDirs(parts: string[], entryPath: string): Promise<void> {
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (this.realDirs.has(rel)) continue;
      const abs = join(this.root, rel);
      const st = await lstatOrUndefined(abs);
      if (!st) await mkdir(abs, { mode: 0o755 });
      else if (st.isSymbolicLink()) refuse(entryPath, `its parent ${rel} is a symlink`);
      else if (!st.isDirectory()) refuse(entryPath, `its parent ${rel} is not a directory`);
      this.realDirs.add(rel);
    }
  }

  /** Removes whatever is at rel (and forgets directories under it) so a new entry can take its place. */
  private async clear(rel: string, keepDir: boolean): Promise<boolean> {
    const abs = join(this.root, rel);
    const st = await lstatOrUndefined(abs);
    if (!st) return false;
    if (keepDir && st.isDirectory()) return true;
    await rm(abs, { recursive: true, force: true });
    for (const d of [...this.realDirs]) if (d === rel || d.startsWith(`${rel}/`)) this.realDirs.delete(d);
    return false;
  }

  private async setOwnerAndTimes(abs: string, e: TarEntry, isLink: boolean): Promise<void> {
    try {
      await lchown(abs, e.uid, e.gid);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err; // unprivileged: keep our own ids
    }
    // chown clears set-id bits, so the mode goes after it.
    if (!isLink) await chmod(abs, e.mode);
    // After chown, which drops security.capability.
    for (const [name, value] of Object.entries(e.xattrs)) if (allowedXattr(name)) await setXattr(abs, name, value);
    if (isLink) await lutimes(abs, e.mtime, e.mtime);
    else await utimes(abs, e.mtime, e.mtime);
  }

  async apply(e: TarEntry, body: AsyncIterable<Buffer>): Promise<void> {
    const parts = safeComponents(e.path);
    if (parts.length === 0) return; // "./" itself: the layer root keeps our mode
    const parents = parts.slice(0, -1);
    const base = parts[parts.length - 1];
    const rel = parts.join('/');
    const abs = join(this.root, rel);

    if (base === OPAQUE_MARKER) {
      await this.ensureDirs(parents, e.path);
      await markOpaque(join(this.root, ...parents));
      return;
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return; // aufs bookkeeping (.wh..wh.plnk)
      const hidden = base.slice(WHITEOUT_PREFIX.length);
      if (!hidden || hidden === '.' || hidden === '..') refuse(e.path, 'bad whiteout name');
      await this.ensureDirs(parents, e.path);
      const target = [...parents, hidden].join('/');
      await this.clear(target, false);
      await makeWhiteout(join(this.root, target));
      return;
    }

    await this.ensureDirs(parents, e.path);
    switch (e.type) {
      case 'dir': {
        if (!(await this.clear(rel, true))) await mkdir(abs, { mode: 0o755 });
        this.realDirs.add(rel);
        await this.setOwnerAndTimes(abs, { ...e, mtime: e.mtime }, false);
        this.dirTimes.push([abs, e.mtime]);
        return;
      }
      case 'file': {
        await this.clear(rel, false);
        // "wx" is O_CREAT|O_EXCL: it never follows a symlink that appeared at this name.
        const fh = await open(abs, 'wx', 0o600);
        try {
          for await (const chunk of body) await fh.write(chunk);
        } finally {
          await fh.close();
        }
        await this.setOwnerAndTimes(abs, e, false);
        return;
      }
      case 'symlink': {
        // Absolute targets are resolved inside the container's root by the kernel, and we never follow
        // links while unpacking; a relative target that climbs above the layer root can only be a trick.
        if (!e.linkPath.startsWith('/') && posix.normalize(posix.join(posix.dirname(rel), e.linkPath)).split('/')[0] === '..') {
          refuse(e.path, `symlink target ${e.linkPath} points out of the root`);
        }
        await this.clear(rel, false);
        await symlink(e.linkPath, abs);
        await this.setOwnerAndTimes(abs, e, true);
        return;
      }
      case 'hardlink': {
        const targetParts = safeComponents(e.linkPath);
        if (targetParts.length === 0) refuse(e.path, 'hard link to the layer root');
        for (let i = 1; i < targetParts.length; i++) {
          if (!this.realDirs.has(targetParts.slice(0, i).join('/'))) refuse(e.path, `hard link target ${e.linkPath} is not in this layer`);
        }
        const targetAbs = join(this.root, ...targetParts);
        const st = await lstatOrUndefined(targetAbs);
        if (!st) refuse(e.path, `hard link target ${e.linkPath} is not in this layer`);
        if (st.isDirectory()) refuse(e.path, 'hard link to a directory');
        if (targetAbs === abs) return;
        await this.clear(rel, false);
        await link(targetAbs, abs);
        return;
      }
      case 'char':
      case 'block':
      case 'fifo': {
        await this.clear(rel, false);
        await makeDeviceNode(abs, e.type, e.mode, e.devMajor, e.devMinor);
        await this.setOwnerAndTimes(abs, e, false);
        return;
      }
    }
  }

  /** Directory times last, since writing their entries changed them. */
  async finish(): Promise<void> {
    for (const [abs, mtime] of this.dirTimes.reverse()) await utimes(abs, mtime, mtime);
  }
}

/** Unpacks a layer into dir, which must exist and be empty. */
export async function unpackLayer(source: AsyncIterable<Buffer>, dir: string, expectedDiffId?: string): Promise<UnpackResult> {
  const counter = new DigestingCounter();
  const writer = new LayerWriter(dir);
  let entries = 0;
  for await (const { entry, body } of readTar(counted(decompressed(source), counter))) {
    await writer.apply(entry, body);
    entries++;
  }
  await writer.finish();
  const diffId = counter.digest();
  if (expectedDiffId && expectedDiffId !== diffId) {
    throw new ApiError('Invalid', `layer diff ID mismatch: expected ${expectedDiffId}, got ${diffId}`);
  }
  return { diffId, entries };
}

/**
 * Unpacks a layer into finalDir unless it is already there: into a temp sibling first, renamed into
 * place only when complete, so a crash never leaves a half layer that looks whole.
 */
export async function unpackLayerOnce(
  open: () => AsyncIterable<Buffer>,
  finalDir: string,
  expectedDiffId?: string,
): Promise<string> {
  if (await stat(finalDir).then((s) => s.isDirectory(), () => false)) return finalDir;
  await mkdir(dirname(finalDir), { recursive: true });
  const temp = `${finalDir}.unpack-${randomBytes(6).toString('hex')}`;
  await mkdir(temp, { mode: 0o755 });
  try {
    await unpackLayer(open(), temp, expectedDiffId);
    await rename(temp, finalDir);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (err as NodeJS.ErrnoException).code === 'EEXIST') return finalDir;
    throw err;
  }
  return finalDir;
}
