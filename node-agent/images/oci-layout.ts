// OCI image layout directories (oci-layout, index.json, blobs/sha256/…): writing one from the content
// store, and choosing which manifest of an index.json an import means.
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../api/errors';
import { ContentStore } from './content-store';
import { digestHex } from './digest';
import { parseImageReference, formatImageReference } from './image-reference';
import { Descriptor, ImageIndex, ImageManifest, MEDIA } from './oci-types';

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME = 'io.containerd.image.name';

export function blobPathInLayout(layoutDir: string, digest: string): string {
  return join(layoutDir, 'blobs', 'sha256', digestHex(digest));
}

/** Copies a blob from a layout dir into the content store, verifying it against its descriptor. */
export async function importLayoutBlob(layoutDir: string, desc: Pick<Descriptor, 'digest' | 'size'>, content: ContentStore): Promise<void> {
  if (await content.has(desc.digest)) return;
  await content.writeStream(createReadStream(blobPathInLayout(layoutDir, desc.digest)), { digest: desc.digest, size: desc.size });
}

/**
 * The manifest descriptor an import of index.json under `name` means: the one annotated with that
 * name (full reference, or tag as in org.opencontainers.image.ref.name), else the only one.
 */
export function chooseLayoutManifest(index: ImageIndex, name?: string): Descriptor {
  const candidates = index.manifests ?? [];
  if (name) {
    const full = formatImageReference(parseImageReference(name));
    const tag = parseImageReference(name).tag;
    const named = candidates.find((d) => {
      const a = d.annotations ?? {};
      return a[CONTAINERD_NAME] === full || a[REF_NAME] === name || a[REF_NAME] === full || (tag !== undefined && a[REF_NAME] === tag);
    });
    if (named) return named;
  }
  if (candidates.length === 1) return candidates[0];
  throw new ApiError('Invalid', `the layout's index.json has ${candidates.length} manifests and none is named ${name ?? '(no name given)'}`);
}

/** Writes an OCI layout dir holding one image (manifest + config + layers) tagged with each of refs. */
export async function writeOciLayout(dir: string, content: ContentStore, manifestDigest: string, refs: string[]): Promise<void> {
  const manifestRaw = await content.readBlob(manifestDigest);
  const manifest = JSON.parse(manifestRaw.toString('utf8')) as ImageManifest;
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const digest of [manifestDigest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
    await copyFile(content.blobPath(digest), blobPathInLayout(dir, digest));
  }
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: MEDIA.ociIndex,
    manifests: refs.map((ref) => ({
      mediaType: manifest.mediaType ?? MEDIA.ociManifest,
      digest: manifestDigest,
      size: manifestRaw.length,
      annotations: { [CONTAINERD_NAME]: formatImageReference(parseImageReference(ref)), [REF_NAME]: parseImageReference(ref).tag ?? 'latest' },
    })),
  };
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify(index, null, 2));
}
