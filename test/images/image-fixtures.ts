// Test images built byte for byte: layers from tar entries, a config naming their diff IDs, a manifest;
// and pushing one (or an index of several) to a registry.
import { gzipSync } from 'node:zlib';
import { ContentStore } from '../../node-agent/images/content-store';
import { sha256Digest } from '../../node-agent/images/digest';
import { ImageReference } from '../../node-agent/images/image-reference';
import { Descriptor, ImageConfigFile, ImageIndex, ImageManifest, MEDIA, Platform } from '../../node-agent/images/oci-types';
import { RegistryClient } from '../../node-agent/images/registry-client';
import { TarWriteEntry, writeTar } from '../../node-agent/images/tar-writer';

export interface TestImage {
  manifestDigest: string;
  manifestRaw: Buffer;
  configDigest: string;
  blobs: Map<string, Buffer>;
}

export function buildTestImage(layers: TarWriteEntry[][], cfg: ImageConfigFile['config'] = {}, platform: Platform = { os: 'linux', architecture: 'amd64' }, mediaType: string = MEDIA.ociManifest): TestImage {
  const blobs = new Map<string, Buffer>();
  const layerDescs: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const entries of layers) {
    const tar = writeTar(entries);
    const gz = gzipSync(tar);
    diffIds.push(sha256Digest(tar));
    blobs.set(sha256Digest(gz), gz);
    layerDescs.push({ mediaType: mediaType === MEDIA.dockerManifest ? MEDIA.dockerLayerGzip : MEDIA.ociLayerGzip, digest: sha256Digest(gz), size: gz.length });
  }
  const config: ImageConfigFile = { ...platform, config: cfg, rootfs: { type: 'layers', diff_ids: diffIds } };
  const configRaw = Buffer.from(JSON.stringify(config));
  const configDigest = sha256Digest(configRaw);
  blobs.set(configDigest, configRaw);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: mediaType === MEDIA.dockerManifest ? MEDIA.dockerConfig : MEDIA.ociConfig, digest: configDigest, size: configRaw.length },
    layers: layerDescs,
  };
  const manifestRaw = Buffer.from(JSON.stringify(manifest));
  return { manifestDigest: sha256Digest(manifestRaw), manifestRaw, configDigest, blobs };
}

export async function storeTestImage(content: ContentStore, image: TestImage): Promise<void> {
  for (const [digest, data] of image.blobs) await content.writeBlob(data, { digest });
  await content.writeBlob(image.manifestRaw, { digest: image.manifestDigest });
}

/** Pushes the image's blobs and its manifest under ref's tag (or by digest when tag is undefined). */
export async function pushTestImage(client: RegistryClient, ref: ImageReference, image: TestImage): Promise<void> {
  for (const [digest, data] of image.blobs) await client.pushBlob(ref, data, digest);
  const manifest = JSON.parse(image.manifestRaw.toString('utf8')) as ImageManifest;
  await client.pushManifest(ref, image.manifestRaw, manifest.mediaType ?? MEDIA.ociManifest);
}

/** Pushes each image by digest, then an index (OCI or Docker manifest list) of them under ref's tag. */
export async function pushTestIndex(client: RegistryClient, ref: ImageReference, images: Array<[Platform, TestImage]>, mediaType: string = MEDIA.ociIndex): Promise<string> {
  for (const [, image] of images) await pushTestImage(client, { ...ref, tag: undefined }, image);
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType,
    manifests: images.map(([platform, image]) => ({
      mediaType: (JSON.parse(image.manifestRaw.toString('utf8')) as ImageManifest).mediaType ?? MEDIA.ociManifest,
      digest: image.manifestDigest,
      size: image.manifestRaw.length,
      platform,
    })),
  };
  return client.pushManifest(ref, Buffer.from(JSON.stringify(index)), mediaType);
}
