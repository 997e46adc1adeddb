// Writes a volume's files so a reader never sees a half-updated set, as the kubelet's AtomicWriter
// (pkg/volume/util/atomic_writer.go): the files live in a timestamped directory, `..data` is a symlink to
// it, and each visible top-level name is a symlink through `..data`. An update writes a new directory and
// swaps `..data` with one rename(2), then adds and removes the visible links.
//
//   <dir>/..2024_05_01_10_00_00.123456789/{key, nested/key}
//   <dir>/..data -> ..2024_05_01_10_00_00.123456789
//   <dir>/key -> ..data/key, <dir>/nested -> ..data/nested
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile, chmod } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';

export interface FileProjection {
  data: Buffer;
  /** Permission bits (0o644 when the volume says nothing). */
  mode: number;
}

/** Relative file path → content and mode. */
export type Payload = Map<string, FileProjection>;

const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

/** Kubernetes' rules for a projected path: relative, no '..' element, not starting with '..'. */
export function validatePayloadPath(path: string): string | undefined {
  if (path === '') return 'path must not be empty';
  if (posix.isAbsolute(path)) return `path ${path} must be relative`;
  if (path.split('/').includes('..')) return `path ${path} must not contain '..'`;
  if (path.startsWith('..')) return `path ${path} must not start with '..'`;
  return undefined;
}

/** The first path element of every file: the names that are visible at the volume's top. */
export function visibleNames(payload: Payload): Set<string> {
  return new Set([...payload.keys()].map((p) => posix.normalize(p).split('/')[0]));
}

function timestampedName(now: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const ns = `${pad(now.getUTCMilliseconds(), 3)}${String(process.hrtime.bigint() % 1_000_000n).padStart(6, '0')}`;
  return `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.${ns}`;
}

async function currentTarget(dir: string): Promise<string | undefined> {
  try {
    return await readlink(join(dir, DATA_DIR));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Whether the files under dataDir are exactly the payload (content and mode). */
async function sameContent(dataDir: string, payload: Payload): Promise<boolean> {
  const onDisk: string[] = [];
  const walk = async (rel: string) => {
    for (const e of await readdir(join(dataDir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(p);
      else onDisk.push(p);
    }
  };
  await walk('');
  if (onDisk.length !== payload.size) return false;
  for (const [path, file] of payload) {
    const full = join(dataDir, path);
    const st = await stat(full).catch(() => undefined);
    if (!st?.isFile() || (st.mode & 0o7777) !== file.mode) return false;
    if (!(await readFile(full)).equals(file.data)) return false;
  }
  return true;
}

/**
 * Makes dir show exactly the payload. Returns false when it already did (nothing written). Paths are
 * validated first: a bad one fails the whole write and leaves the old files in place.
 */
export async function writeAtomically(dir: string, payload: Payload, now = new Date()): Promise<boolean> {
  for (const path of payload.keys()) {
    const problem = validatePayloadPath(path);
    if (problem) throw new Error(problem);
  }
  await mkdir(dir, { recursive: true });
  const old = await currentTarget(dir);
  if (old && (await sameContent(join(dir, old), payload))) return false;

  // 1. The new files in a fresh hidden directory.
  const fresh = timestampedName(now);
  const freshDir = join(dir, fresh);
  await mkdir(freshDir, { mode: 0o755 });
  for (const [path, file] of payload) {
    const full = join(freshDir, path);
    await mkdir(dirname(full), { recursive: true, mode: 0o755 });
    await writeFile(full, file.data, { mode: file.mode });
    await chmod(full, file.mode); // writeFile's mode is filtered by the umask
  }
  // 2. Swap ..data in one rename.
  await rm(join(dir, DATA_DIR_TMP), { force: true });
  await symlink(fresh, join(dir, DATA_DIR_TMP));
  await rename(join(dir, DATA_DIR_TMP), join(dir, DATA_DIR));
  // 3. Visible links for new names; links for names that are gone removed.
  const wanted = visibleNames(payload);
  for (const name of wanted) {
    const link = join(dir, name);
    const st = await lstat(link).catch(() => undefined);
    if (!st) await symlink(posix.join(DATA_DIR, name), link);
  }
  for (const name of await readdir(dir)) {
    if (name.startsWith('..') || wanted.has(name)) continue;
    const st = await lstat(join(dir, name));
    if (st.isSymbolicLink()) await rm(join(dir, name));
  }
  // 4. The old files.
  if (old && old !== fresh) await rm(join(dir, old), { recursive: true, force: true });
  return true;
}
