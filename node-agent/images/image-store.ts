// Image records on disk: one JSON file per normalized reference (name:tag or name@digest) naming the
// manifest, config and layers in the content store. Image IDs are config digests, as Docker and CRI use.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../api/errors';
import { sha256Digest } from './digest';
import { normalizeImageReference } from './image-reference';

export interface LayerRecord {
  /** Digest of the layer blob as stored (compressed or not). */
  digest: string;
  mediaType: string;
  size: number;
  /** Digest of the uncompressed tar, from the image config's rootfs.diff_ids. */
  diffId?: string;
}

export interface ImageRecord {
  /** Normalized reference, e.g. "docker.io/library/busybox:1.35". */
  name: string;
  manifestDigest: string;
  configDigest: string;
  layers: LayerRecord[];
  /** Bytes of manifest, config and layer blobs. */
  size: number;
  createdAt: string;
}

export class ImageStore {
  private readonly dir: string;

  constructor(readonly root: string) {
    this.dir = join(root, 'images');
  }

  private recordPath(name: string): string {
    // Hashing the name keeps any reference a valid, fixed-length file name.
    return join(this.dir, `${sha256Digest(name).slice('sha256:'.length)}.json`);
  }

  async put(record: ImageRecord): Promise<ImageRecord> {
    const normalized = { ...record, name: normalizeImageReference(record.name) };
    await mkdir(this.dir, { recursive: true });
    const file = this.recordPath(normalized.name);
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(normalized, null, 2));
    await rename(temp, file);
    return normalized;
  }

  /** The record for a reference (normalized first), or undefined. */
  async get(ref: string): Promise<ImageRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.recordPath(normalizeImageReference(ref)), 'utf8')) as ImageRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Like get(), or a record whose image ID (config digest) is ref, or NotFound. */
  async lookup(ref: string): Promise<ImageRecord> {
    if (ref.startsWith('sha256:')) {
      const byId = (await this.list()).find((r) => r.configDigest === ref);
      if (byId) return byId;
    }
    const rec = await this.get(ref);
    if (!rec) throw new ApiError('NotFound', `image "${ref}" not found`);
    return rec;
  }

  async list(): Promise<ImageRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: ImageRecord[] = [];
    for (const n of names.filter((f) => f.endsWith('.json')).sort()) {
      out.push(JSON.parse(await readFile(join(this.dir, n), 'utf8')) as ImageRecord);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Removes the record for ref; returns whether there was one. Blobs stay until garbage collection. */
  async remove(ref: string): Promise<boolean> {
    const rec = await this.get(ref);
    if (!rec) return false;
    await rm(this.recordPath(rec.name), { force: true });
    return true;
  }

  /** Every blob digest some image still references, for garbage collection. */
  async referencedBlobs(): Promise<Set<string>> {
    const used = new Set<string>();
    for (const r of await this.list()) {
      used.add(r.manifestDigest);
      used.add(r.configDigest);
      for (const l of r.layers) used.add(l.digest);
    }
    return used;
  }
}
