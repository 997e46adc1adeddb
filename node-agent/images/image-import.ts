// Loads images that arrive without a registry into the content store: an OCI layout (a directory or a
// tar of one), a `docker save` archive (manifest.json with RepoTags), or a plain rootfs tar (one layer).
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../api/errors';
import { ContentStore } from './content-store';
import { decompressed } from './compression';
import { isDigest } from './digest';
import { BuiltImage, imageFromRootfsTar } from './image-builder';
import { chooseLayoutManifest, importLayoutBlob } from './oci-layout';
import { ImageConfigFile, ImageIndex, ImageManifest, MEDIA, Platform, isIndex, selectPlatform } from './oci-types';
import { readTar } from './tar-reader';

export type ArchiveFormat = 'oci-layout' | 'docker-save' | 'rootfs';

interface DockerSaveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

function tarStream(file: string): AsyncIterable<Buffer> {
  return decompressed(createReadStream(file) as AsyncIterable<Buffer>);
}

function cleanName(path: string): string {
  return path.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
}

/** Names of the archive's entries (bodies skipped), to tell its format. */
async function listNames(file: string): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const { entry } of readTar(tarStream(file))) names.add(cleanName(entry.path));
  return names;
}

export async function detectFormat(file: string): Promise<ArchiveFormat> {
  if ((await stat(file)).isDirectory()) return 'oci-layout';
  const names = await listNames(file);
  if (names.has('oci-layout') && names.has('index.json')) return 'oci-layout';
  if (names.has('manifest.json')) return 'docker-save';
  return 'rootfs';
}

/** From an index in the store (or index.json's content) down to a platform's image manifest. */
async function manifestFromIndex(index: ImageIndex, name: string | undefined, load: (d: { digest: string; size: number }) => Promise<Buffer>, platform: Platform): Promise<{ digest: string; manifest: ImageManifest }> {
  let desc = chooseLayoutManifest(index, name);
  for (let depth = 0; depth < 3; depth++) {
    const raw = await load(desc);
    const doc = JSON.parse(raw.toString('utf8')) as ImageManifest | ImageIndex;
    if (!isIndex(doc, desc.mediaType)) return { digest: desc.digest, manifest: doc as ImageManifest };
    desc = selectPlatform(doc as ImageIndex, platform);
  }
  throw new ApiError('Invalid', 'image indexes nested too deep');
}

async function finish(content: ContentStore, manifestDigest: string, manifest: ImageManifest): Promise<BuiltImage> {
  for (const d of [manifest.config, ...manifest.layers]) {
    if (!(await content.has(d.digest))) throw new ApiError('Invalid', `archive lacks blob ${d.digest}`);
  }
  const config = await content.readJson<ImageConfigFile>(manifest.config.digest);
  const size = (await content.size(manifestDigest)) + manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0);
  return { manifestDigest, manifest, configDigest: manifest.config.digest, config, size };
}

async function importLayoutDir(dir: string, name: string | undefined, content: ContentStore, platform: Platform): Promise<BuiltImage> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as ImageIndex;
  const { digest, manifest } = await manifestFromIndex(index, name, async (d) => {
    await importLayoutBlob(dir, d, content);
    return content.readBlob(d.digest);
  }, platform);
  for (const d of [manifest.config, ...manifest.layers]) await importLayoutBlob(dir, d, content);
  return finish(content, digest, manifest);
}

/** One pass over an OCI layout tar: every blob into the store (verified by its name), index.json kept. */
async function importLayoutTar(file: string, name: string | undefined, content: ContentStore, platform: Platform): Promise<BuiltImage> {
  let index: ImageIndex | undefined;
  for await (const { entry, body } of readTar(tarStream(file))) {
    const path = cleanName(entry.path);
    if (entry.type !== 'file') continue;
    const blob = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(path);
    if (blob) await content.writeStream(body, { digest: `sha256:${blob[1]}`, size: entry.size });
    else if (path === 'index.json') index = JSON.parse(Buffer.concat(await collect(body)).toString('utf8')) as ImageIndex;
  }
  if (!index) throw new ApiError('Invalid', 'OCI layout archive has no index.json');
  const { digest, manifest } = await manifestFromIndex(index, name, (d) => content.readBlob(d.digest), platform);
  return finish(content, digest, manifest);
}

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c);
  return parts;
}

/** A legacy `docker save` archive: files are not named by digest, so each is hashed as it is stored. */
async function importDockerSave(file: string, name: string | undefined, content: ContentStore): Promise<BuiltImage> {
  const stored = new Map<string, { digest: string; size: number }>();
  let entries: DockerSaveEntry[] | undefined;
  for await (const { entry, body } of readTar(tarStream(file))) {
    if (entry.type !== 'file') continue;
    const path = cleanName(entry.path);
    if (path === 'manifest.json') {
      entries = JSON.parse(Buffer.concat(await collect(body)).toString('utf8')) as DockerSaveEntry[];
    } else if (path.endsWith('.json') || path.endsWith('.tar') || path.endsWith('.tar.gz') || path.startsWith('blobs/')) {
      stored.set(path, { digest: await content.writeStream(body), size: entry.size });
    }
  }
  if (!entries?.length) throw new ApiError('Invalid', 'docker save archive has an empty manifest.json');
  const chosen = (name && entries.find((e) => (e.RepoTags ?? []).some((t) => t === name))) || entries[0];
  if (entries.length > 1 && chosen === entries[0] && name && !(entries[0].RepoTags ?? []).includes(name)) {
    throw new ApiError('Invalid', `docker save archive holds ${entries.length} images and none is tagged ${name}`);
  }
  const blob = (path: string) => {
    const found = stored.get(cleanName(path));
    if (!found) throw new ApiError('Invalid', `docker save archive lacks ${path}`);
    return found;
  };
  const config = blob(chosen.Config);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, ...config },
    layers: chosen.Layers.map((l) => ({ mediaType: MEDIA.ociLayer, ...blob(l) })),
  };
  if (manifest.layers.some((l) => !isDigest(l.digest))) throw new ApiError('Invalid', 'bad layer digest');
  const manifestDigest = await content.writeBlob(Buffer.from(JSON.stringify(manifest)));
  return finish(content, manifestDigest, manifest);
}

/** Stores the image in file and returns it; name chooses among several images in one archive. */
export async function importArchive(file: string, name: string | undefined, content: ContentStore, platform: Platform): Promise<{ format: ArchiveFormat; image: BuiltImage }> {
  const format = await detectFormat(file);
  const isDir = (await stat(file)).isDirectory();
  const image =
    format === 'oci-layout' ? await (isDir ? importLayoutDir(file, name, content, platform) : importLayoutTar(file, name, content, platform))
      : format === 'docker-save' ? await importDockerSave(file, name, content)
        : await imageFromRootfsTar(content, file, { platform });
  return { format, image };
}
