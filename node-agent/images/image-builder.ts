// Builds single-layer OCI images in the content store: from a directory tree (the base-images script)
// or from a rootfs tar as it is (plain rootfs imports).
import { createReadStream } from 'node:fs';
import { ContentStore } from './content-store';
import { decompressed, isGzip } from './compression';
import { DigestingCounter } from './digest';
import { ImageConfigFile, ImageManifest, MEDIA, Platform, hostPlatform } from './oci-types';
import { directoryEntries, writeTar } from './tar-writer';
import { gzipSync } from 'node:zlib';

export interface BuildConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  stopSignal?: string;
  platform?: Platform;
  /** Record every file as owned by root, whoever built the tree (for images built without root). */
  rootOwned?: boolean;
}

export interface BuiltImage {
  manifestDigest: string;
  manifest: ImageManifest;
  configDigest: string;
  config: ImageConfigFile;
  size: number;
}

/** Writes config and manifest for one stored layer blob. */
export async function imageFromLayer(content: ContentStore, layer: { digest: string; size: number; diffId: string; gzip: boolean }, cfg: BuildConfig = {}): Promise<BuiltImage> {
  const platform = cfg.platform ?? hostPlatform();
  const config: ImageConfigFile = {
    architecture: platform.architecture,
    os: platform.os,
    config: {
      Env: cfg.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: cfg.cmd ?? ['sh'],
      ...(cfg.entrypoint ? { Entrypoint: cfg.entrypoint } : {}),
      ...(cfg.workingDir ? { WorkingDir: cfg.workingDir } : {}),
      ...(cfg.user ? { User: cfg.user } : {}),
      ...(cfg.stopSignal ? { StopSignal: cfg.stopSignal } : {}),
    },
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
  };
  const configRaw = Buffer.from(JSON.stringify(config));
  const configDigest = await content.writeBlob(configRaw);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: configRaw.length },
    layers: [{ mediaType: layer.gzip ? MEDIA.ociLayerGzip : MEDIA.ociLayer, digest: layer.digest, size: layer.size }],
  };
  const manifestRaw = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = await content.writeBlob(manifestRaw);
  return { manifestDigest, manifest, configDigest, config, size: manifestRaw.length + configRaw.length + layer.size };
}

/** A gzip layer of everything under dir (deterministic: sorted, mtimes zeroed), as an image. */
export async function imageFromDirectory(content: ContentStore, dir: string, cfg: BuildConfig = {}): Promise<BuiltImage> {
  const entries = await directoryEntries(dir);
  const tar = writeTar(cfg.rootOwned ? entries.map((e) => ({ ...e, uid: 0, gid: 0 })) : entries);
  const counter = new DigestingCounter();
  counter.update(tar);
  const blob = gzipSync(tar, { level: 9 });
  // gzip output carries no timestamp from zlib's gzipSync (mtime 0), so the digest is reproducible.
  const digest = await content.writeBlob(blob);
  return imageFromLayer(content, { digest, size: blob.length, diffId: counter.digest(), gzip: true }, cfg);
}

/** A rootfs tar file (gzip or not) stored as it is, as the single layer of an image. */
export async function imageFromRootfsTar(content: ContentStore, file: string, cfg: BuildConfig = {}): Promise<BuiltImage> {
  const digest = await content.writeStream(createReadStream(file));
  const size = await content.size(digest);
  const head = await readHead(content, digest);
  const counter = new DigestingCounter();
  for await (const chunk of decompressed(content.openBlob(digest) as AsyncIterable<Buffer>)) counter.update(chunk);
  return imageFromLayer(content, { digest, size, diffId: counter.digest(), gzip: isGzip(head) }, cfg);
}

async function readHead(content: ContentStore, digest: string): Promise<Buffer> {
  for await (const chunk of content.openBlob(digest) as AsyncIterable<Buffer>) return chunk;
  return Buffer.alloc(0);
}
