// A streaming tar reader (ustar, GNU long names, PAX extended headers), enough for OCI layers and
// image archives. It only parses: deciding what is safe to write is layer-unpack's job.
import { ApiError } from '../../api/errors';

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarEntry {
  /** The name exactly as the archive gives it (not normalized). */
  path: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkPath: string;
  devMajor: number;
  devMinor: number;
  /** Extended attributes from PAX "SCHILY.xattr.NAME" records (raw bytes). */
  xattrs: Record<string, Buffer>;
}

const BLOCK = 512;
/** PAX and GNU long-name headers are held in memory: names and xattrs, never megabytes. */
const MAX_METADATA_BYTES = 1024 * 1024;

/** Pulls exact byte counts out of an async sequence of chunks. */
class ChunkReader {
  private buffered: Buffer = Buffer.alloc(0);
  private ended = false;
  private readonly source: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.source = source[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered.length < n && !this.ended) {
      const next = await this.source.next();
      if (next.done) this.ended = true;
      else this.buffered = this.buffered.length ? Buffer.concat([this.buffered, next.value]) : next.value;
    }
  }

  /** Exactly n bytes, or null at a clean end of input. */
  async take(n: number): Promise<Buffer | null> {
    await this.fill(n);
    if (this.buffered.length === 0 && this.ended) return null;
    if (this.buffered.length < n) throw new ApiError('Invalid', 'tar archive is truncated');
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  /** n bytes as they arrive, without holding them all in memory. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buffered.length === 0) await this.fill(1);
      if (this.buffered.length === 0) throw new ApiError('Invalid', 'tar archive is truncated');
      const piece = this.buffered.subarray(0, Math.min(left, this.buffered.length));
      this.buffered = this.buffered.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }
}

function cString(buf: Buffer, start: number, len: number): string {
  const field = buf.subarray(start, start + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function numeric(buf: Buffer, start: number, len: number): number {
  const field = buf.subarray(start, start + len);
  if (field[0] & 0x80) {
    // GNU base-256 for values too large for octal (positive values only).
    let v = field[0] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + field[i];
    return v;
  }
  const text = cString(buf, start, len).trim();
  return text ? parseInt(text, 8) : 0;
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
  return sum === numeric(header, 148, 8);
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};

/** PAX records, "LEN key=value\n"; values stay raw bytes (xattr values are binary). */
function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(data.subarray(pos, space).toString('ascii'), 10);
    if (!(len > 0) || pos + len > data.length) throw new ApiError('Invalid', 'tar archive has a malformed PAX header');
    const record = data.subarray(space + 1, pos + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq > 0) out.set(record.subarray(0, eq).toString('utf8'), record.subarray(eq + 1));
    pos += len;
  }
  return out;
}

const XATTR_PREFIX = 'SCHILY.xattr.';

/**
 * Yields each entry with its body. The caller may read the body or not; the reader skips
 * whatever is left before the next entry.
 */
export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<{ entry: TarEntry; body: AsyncIterable<Buffer> }> {
  const reader = new ChunkReader(source);
  let pax = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const header = await reader.take(BLOCK);
    if (!header || header.every((b) => b === 0)) return; // end-of-archive blocks (or a tar with none)
    if (!checksumOk(header)) throw new ApiError('Invalid', 'tar archive has a header with a bad checksum');
    const typeflag = String.fromCharCode(header[156]);
    let size = numeric(header, 124, 12);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_METADATA_BYTES) throw new ApiError('Invalid', `tar archive has a ${size}-byte '${typeflag}' header`);
      const data = (await reader.take(padded)) ?? Buffer.alloc(0);
      const body = data.subarray(0, size);
      if (typeflag === 'x') pax = parsePax(body);
      else if (typeflag === 'L') longName = cString(body, 0, body.length);
      else if (typeflag === 'K') longLink = cString(body, 0, body.length);
      continue; // 'g' (global) headers carry nothing we use
    }
    const type = TYPES[typeflag];
    if (type === undefined) throw new ApiError('Invalid', `tar archive has an entry of unsupported type '${typeflag}'`);
    const prefix = header.subarray(257, 262).toString('ascii') === 'ustar' ? cString(header, 345, 155) : '';
    const name = cString(header, 0, 100);
    const text = (key: string) => pax.get(key)?.toString('utf8');
    if (pax.has('size')) size = parseInt(text('size')!, 10);
    const xattrs: Record<string, Buffer> = {};
    for (const [key, value] of pax) if (key.startsWith(XATTR_PREFIX)) xattrs[key.slice(XATTR_PREFIX.length)] = value;
    const entry: TarEntry = {
      path: text('path') ?? longName ?? (prefix ? `${prefix}/${name}` : name),
      type,
      mode: numeric(header, 100, 8) & 0o7777,
      uid: pax.has('uid') ? parseInt(text('uid')!, 10) : numeric(header, 108, 8),
      gid: pax.has('gid') ? parseInt(text('gid')!, 10) : numeric(header, 116, 8),
      size: type === 'file' ? size : 0,
      mtime: pax.has('mtime') ? Math.floor(parseFloat(text('mtime')!)) : numeric(header, 136, 12),
      linkPath: text('linkpath') ?? longLink ?? cString(header, 157, 100),
      devMajor: numeric(header, 329, 8),
      devMinor: numeric(header, 337, 8),
      xattrs,
    };
    pax = new Map();
    longName = longLink = undefined;
    // Only regular files carry data, whatever other headers' size field says (Go's archive/tar agrees).
    const dataBytes = type === 'file' ? size : 0;
    let left = dataBytes;
    const body: AsyncIterable<Buffer> = {
      async *[Symbol.asyncIterator]() {
        for await (const piece of reader.stream(left)) {
          left -= piece.length;
          yield piece;
        }
      },
    };
    yield { entry, body };
    // Skip whatever the caller did not read (it may have read nothing, or stopped early).
    for await (const piece of reader.stream(left)) left -= piece.length;
    const pad = Math.ceil(dataBytes / BLOCK) * BLOCK - dataBytes;
    if (pad) await reader.take(pad);
  }
}
