// Digest-addressed blobs on disk, like containerd's content store: <root>/blobs/sha256/<hex>.
// Every write goes to <root>/ingest first and is renamed into place only once its digest (and size,
// when known) matched, so a reader never sees a partial or corrupted blob under a digest.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../api/errors';
import { DigestingCounter, digestHex } from './digest';

export interface BlobExpectation {
  digest?: string;
  size?: number;
}

export class ContentStore {
  private readonly blobDir: string;
  private readonly ingestDir: string;

  constructor(readonly root: string) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
  }

  /** Where a committed blob lives (whether or not it exists yet). */
  blobPath(digest: string): string {
    return join(this.blobDir, digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    try {
      return (await stat(this.blobPath(digest))).isFile();
    } catch {
      return false;
    }
  }

  async size(digest: string): Promise<number> {
    return (await stat(this.blobPath(digest))).size;
  }

  async readBlob(digest: string): Promise<Buffer> {
    try {
      return await readFile(this.blobPath(digest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ApiError('NotFound', `blob ${digest} not found`);
      throw err;
    }
  }

  async readJson<T>(digest: string): Promise<T> {
    return JSON.parse((await this.readBlob(digest)).toString('utf8')) as T;
  }

  openBlob(digest: string): NodeJS.ReadableStream {
    return createReadStream(this.blobPath(digest));
  }

  /** Stores a buffer; returns its digest. Refuses it when an expected digest or size does not match. */
  async writeBlob(data: Buffer, expected: BlobExpectation = {}): Promise<string> {
    return this.writeStream([data], expected);
  }

  /**
   * Streams chunks into the store through a temp file, then verifies and commits it.
   * An existing blob with the same digest is kept as is (content addressing makes them equal).
   */
  async writeStream(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, expected: BlobExpectation = {}): Promise<string> {
    if (expected.digest) digestHex(expected.digest);
    await mkdir(this.ingestDir, { recursive: true });
    await mkdir(this.blobDir, { recursive: true });
    const temp = join(this.ingestDir, `${Date.now()}-${randomBytes(6).toString('hex')}`);
    const counter = new DigestingCounter();
    const out = createWriteStream(temp, { mode: 0o444 });
    const closed = new Promise<void>((resolve, reject) => {
      out.once('close', resolve);
      out.once('error', reject);
    });
    try {
      for await (const chunk of chunks) {
        counter.update(chunk);
        if (expected.size !== undefined && counter.size > expected.size) {
          throw new ApiError('Invalid', `blob ${expected.digest ?? ''} is larger than the expected ${expected.size} bytes`);
        }
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
      }
      out.end();
      await closed;
      const actual = counter.digest();
      if (expected.digest && actual !== expected.digest) {
        throw new ApiError('Invalid', `blob digest mismatch: expected ${expected.digest}, got ${actual}`);
      }
      if (expected.size !== undefined && counter.size !== expected.size) {
        throw new ApiError('Invalid', `blob ${actual} has ${counter.size} bytes, expected ${expected.size}`);
      }
      await rename(temp, this.blobPath(actual));
      return actual;
    } catch (err) {
      out.destroy();
      await closed.catch(() => undefined);
      await rm(temp, { force: true });
      throw err;
    }
  }

  /** Re-reads a committed blob and checks it still hashes to its name. */
  async verify(digest: string): Promise<boolean> {
    const counter = new DigestingCounter();
    try {
      for await (const chunk of createReadStream(this.blobPath(digest))) counter.update(chunk as Buffer);
    } catch {
      return false;
    }
    return counter.digest() === digest;
  }

  /** Removes ingest files older than maxAgeMs: writes a crash interrupted. Returns how many. */
  async cleanIngest(maxAgeMs = 60 * 60 * 1000, now = Date.now()): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.ingestDir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      const path = join(this.ingestDir, name);
      const st = await stat(path).catch(() => undefined);
      if (st && now - st.mtimeMs > maxAgeMs) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  async delete(digest: string): Promise<void> {
    await rm(this.blobPath(digest), { force: true });
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.blobDir)).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
}
