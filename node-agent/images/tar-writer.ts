// A small deterministic tar writer (ustar with PAX headers for long names). Builds image layers from
// directories, and lets tests craft archives byte for byte, including hostile ones.
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TarEntryType } from './tar-reader';

export interface TarWriteEntry {
  /** Written as given: no normalization, so tests can write "../x" or "/etc/x". */
  path: string;
  type: TarEntryType;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkPath?: string;
  content?: Buffer | string;
  devMajor?: number;
  devMinor?: number;
  /** Written as PAX SCHILY.xattr.NAME records. */
  xattrs?: Record<string, Buffer>;
}

const BLOCK = 512;
const TYPEFLAG: Record<TarEntryType, string> = {
  file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6',
};

function octal(value: number, len: number): string {
  return value.toString(8).padStart(len - 1, '0') + '\0';
}

function header(name: string, typeflag: string, size: number, e: Partial<TarWriteEntry>, linkName = ''): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(e.mode ?? (typeflag === '5' ? 0o755 : 0o644), 8), 100, 'ascii');
  h.write(octal(e.uid ?? 0, 8), 108, 'ascii');
  h.write(octal(e.gid ?? 0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(e.mtime ?? 0, 12), 136, 'ascii');
  h.write(typeflag, 156, 'ascii');
  h.write(linkName, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(octal(e.devMajor ?? 0, 8), 329, 'ascii');
  h.write(octal(e.devMinor ?? 0, 8), 337, 'ascii');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

function padTo(data: Buffer): Buffer[] {
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return pad ? [data, Buffer.alloc(pad)] : [data];
}

function paxRecord(key: string, value: Buffer | string): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

/** The whole archive, with its two end-of-archive blocks. */
export function writeTar(entries: TarWriteEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const content = e.type === 'file' ? Buffer.from(e.content ?? '') : Buffer.alloc(0);
    const linkPath = e.linkPath ?? '';
    const pax: Buffer[] = [];
    if (Buffer.byteLength(e.path) > 100) pax.push(paxRecord('path', e.path));
    if (Buffer.byteLength(linkPath) > 100) pax.push(paxRecord('linkpath', linkPath));
    for (const [name, value] of Object.entries(e.xattrs ?? {})) pax.push(paxRecord(`SCHILY.xattr.${name}`, value));
    if (pax.length) {
      const data = Buffer.concat(pax);
      parts.push(header('PaxHeader', 'x', data.length, {}), ...padTo(data));
    }
    parts.push(header(e.path.slice(0, 100), TYPEFLAG[e.type], content.length, e, linkPath.slice(0, 100)));
    if (content.length) parts.push(...padTo(content));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/**
 * The entries for everything under dir, sorted, with paths relative to it ("bin/", "bin/sh"),
 * owners and modes as on disk and mtimes zeroed so the same tree always gives the same digest.
 */
export async function directoryEntries(dir: string, prefix = ''): Promise<TarWriteEntry[]> {
  const out: TarWriteEntry[] = [];
  for (const name of (await readdir(join(dir, prefix))).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const abs = join(dir, rel);
    const st = await lstat(abs);
    const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: 0 };
    if (st.isDirectory()) {
      out.push({ ...base, path: `${rel}/`, type: 'dir' });
      out.push(...(await directoryEntries(dir, rel)));
    } else if (st.isSymbolicLink()) {
      out.push({ ...base, path: rel, type: 'symlink', linkPath: await readlink(abs) });
    } else if (st.isFile()) {
      out.push({ ...base, path: rel, type: 'file', content: await readFile(abs) });
    }
  }
  return out;
}
