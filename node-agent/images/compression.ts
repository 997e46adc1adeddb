// Layer compression, sniffed by magic number as containerd does: gzip is decompressed, plain tar passes
// through, zstd is refused with a clear message (Node 20 has no zstd).
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ApiError } from '../../api/errors';

export function isGzip(head: Buffer): boolean {
  return head[0] === 0x1f && head[1] === 0x8b;
}

/** The uncompressed bytes of source. */
export async function* decompressed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const all = (async function* () {
    yield first.value;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  })();
  const head = first.value;
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    throw new ApiError('Invalid', 'zstd-compressed layers are not supported');
  }
  if (!isGzip(head)) {
    yield* all;
    return;
  }
  const input = Readable.from(all);
  const gunzip = createGunzip();
  input.once('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError('Invalid', `layer is not valid gzip: ${(err as Error).message}`);
  }
}
