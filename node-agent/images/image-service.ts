// What the agent asks of images: ensureImage(ref, policy) gives the unpacked layer dirs (lowest first)
// and the config a container starts from. Pulls and unpacks of the same image or layer run once even
// when many pods ask at the same time.
import { mkdir, readdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError, ErrorCode, isApiError } from '../../api/errors';
import { ContentStore } from './content-store';
import { digestHex } from './digest';
import type { BuiltImage } from './image-builder';
import type { ArchiveFormat } from './image-import';
import { formatImageReference, parseImageReference, repositoryName } from './image-reference';
import { DEFAULT_IMAGE_GC_POLICY, ImageGcPolicy, imagesToRemove } from './image-gc';
import { ImageRecord, ImageStore } from './image-store';
import { ImageConfigFile, Platform, hostPlatform } from './oci-types';
import { PullBackoff } from './pull-backoff';
import type { RegistryClient } from './registry-client';
import { RegistryConfig } from './registry-hosts';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** The kubelet's reasons for a container waiting on its image. */
export type ImageErrorReason = 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName';

export class ImagePullError extends ApiError {
  constructor(code: ErrorCode, message: string, readonly reason: ImageErrorReason) {
    super(code, message);
    this.name = 'ImagePullError';
  }
}

export interface ContainerImageConfig {
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
  stopSignal?: string;
}

export interface EnsuredImage {
  /** The config digest, as CRI's image ID. */
  imageId: string;
  /** Normalized reference the image is stored under. */
  name: string;
  /** "docker.io/library/busybox@sha256:<manifest>", what pod status shows as imageID. */
  repoDigest: string;
  /** Unpacked layer directories, lowest (base) first. */
  layers: string[];
  config: ContainerImageConfig;
}

export interface ImageServiceOptions {
  /** Holds content/, images/ and layers/. */
  root: string;
  registries?: RegistryConfig;
  platform?: Platform;
  /** Clock for pull back-off and last-use times (tests inject one). */
  now?: () => number;
  /** Disk-usage thresholds of image garbage collection (default 85 % / 80 %, as the kubelet). */
  gcPolicy?: ImageGcPolicy;
}

/** Kubernetes' default: Always for ":latest" or no tag, IfNotPresent otherwise. */
export function defaultPullPolicy(ref: string): PullPolicy {
  const parsed = parseImageReference(ref);
  return !parsed.digest && parsed.tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export function containerConfig(file: ImageConfigFile): ContainerImageConfig {
  const c = file.config ?? {};
  return {
    entrypoint: c.Entrypoint ?? [],
    cmd: c.Cmd ?? [],
    env: c.Env ?? [],
    workingDir: c.WorkingDir ?? '',
    user: c.User ?? '',
    ...(c.StopSignal ? { stopSignal: c.StopSignal } : {}),
  };
}

export class ImageService {
  readonly content: ContentStore;
  readonly images: ImageStore;
  // Loaded on the first pull, unpack or import: an idle agent does not hold the registry, tar and gzip code.
  private registryClient?: RegistryClient;
  private readonly registries: RegistryConfig | undefined;
  private readonly layersDir: string;
  private readonly platform: Platform;
  private readonly pulls = new Map<string, Promise<ImageRecord>>();
  private readonly unpacks = new Map<string, Promise<string>>();
  private readonly configs = new Map<string, ContainerImageConfig>();
  private readonly backoff: PullBackoff;
  private readonly lastUsed = new Map<string, number>();
  private readonly now: () => number;
  private readonly gcPolicy: ImageGcPolicy;

  constructor(opts: ImageServiceOptions) {
    this.now = opts.now ?? Date.now;
    this.gcPolicy = opts.gcPolicy ?? DEFAULT_IMAGE_GC_POLICY;
    this.backoff = new PullBackoff(this.now);
    this.content = new ContentStore(join(opts.root, 'content'));
    this.images = new ImageStore(opts.root);
    this.layersDir = join(opts.root, 'layers');
    this.platform = opts.platform ?? hostPlatform();
    this.registries = opts.registries;
  }

  private async registry(): Promise<RegistryClient> {
    if (!this.registryClient) {
      const { RegistryClient } = await import('./registry-client');
      this.registryClient ??= new RegistryClient({ registries: this.registries, platform: this.platform });
    }
    return this.registryClient;
  }

  /** Makes the image present as the policy says, then unpacks its layers. */
  async ensureImage(ref: string, policy: PullPolicy = defaultPullPolicy(ref)): Promise<EnsuredImage> {
    let name: string;
    try {
      name = formatImageReference(parseImageReference(ref));
    } catch (err) {
      throw new ImagePullError('Invalid', (err as Error).message, 'InvalidImageName');
    }
    let record = policy === 'Always' ? undefined : await this.images.get(name);
    if (!record) {
      if (policy === 'Never') {
        throw new ImagePullError('NotFound', `container image "${ref}" is not present with pull policy of Never`, 'ErrImageNeverPull');
      }
      const wait = this.backoff.remaining(name);
      if (wait > 0) {
        throw new ImagePullError('ServiceUnavailable', `Back-off pulling image "${name}" (${Math.ceil(wait / 1000)} s)`, 'ImagePullBackOff');
      }
      record = await this.pullImage(name);
    }
    this.lastUsed.set(record.name, this.now());
    return this.prepare(record);
  }

  /** Pulls from the registry (or its mirrors) and records the image; concurrent pulls of one name share one. */
  pullImage(ref: string): Promise<ImageRecord> {
    const name = formatImageReference(parseImageReference(ref));
    let pending = this.pulls.get(name);
    if (!pending) {
      pending = this.doPull(name).finally(() => this.pulls.delete(name));
      this.pulls.set(name, pending);
    }
    return pending;
  }

  private async doPull(name: string): Promise<ImageRecord> {
    try {
      const pulled = await (await this.registry()).pull(parseImageReference(name), this.content);
      const record = await this.record(name, pulled);
      this.backoff.succeeded(name);
      return record;
    } catch (err) {
      // Counted once per pull, however many pods were waiting on it.
      this.backoff.failed(name);
      const code = isApiError(err) ? err.code : 'ServiceUnavailable';
      throw new ImagePullError(code, `failed to pull image "${name}": ${(err as Error).message}`, 'ErrImagePull');
    }
  }

  /** Loads an OCI layout (dir or tar), a `docker save` tar or a plain rootfs tar under name. */
  async importImage(file: string, name: string): Promise<ImageRecord & { format: ArchiveFormat }> {
    const normalized = this.normalizeName(name);
    const { importArchive } = await import('./image-import');
    const { format, image } = await importArchive(file, name, this.content, this.platform);
    const record = await this.record(normalized, image);
    // Unpacked now, as containerd's import unpacks into its snapshotter: the first pod using the image
    // (and every pod arriving while it unpacks) does not wait for it.
    await this.prepare(record);
    return { ...record, format };
  }

  /** The stored form of a reference (docker.io/library/busybox:1.35); ApiError Invalid for a bad one. */
  normalizeName(name: string): string {
    return formatImageReference(parseImageReference(name));
  }

  private async record(name: string, image: BuiltImage): Promise<ImageRecord> {
    const diffIds = image.config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== image.manifest.layers.length) {
      throw new ApiError('Invalid', `image config lists ${diffIds.length} diff IDs for ${image.manifest.layers.length} layers`);
    }
    return this.images.put({
      name,
      manifestDigest: image.manifestDigest,
      configDigest: image.configDigest,
      layers: image.manifest.layers.map((l, i) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size, diffId: diffIds[i] })),
      size: image.size,
      createdAt: new Date().toISOString(),
    });
  }

  /** Unpacks each layer once (verifying its diff ID) and returns what a container needs. */
  async prepare(record: ImageRecord): Promise<EnsuredImage> {
    const layers: string[] = [];
    for (const layer of record.layers) layers.push(await this.unpack(layer.digest, layer.diffId));
    const config = structuredClone(await this.configOf(record.configDigest));
    const ref = parseImageReference(record.name);
    return { imageId: record.configDigest, name: record.name, repoDigest: `${repositoryName(ref)}@${record.manifestDigest}`, layers, config };
  }

  /** An image config is a content-addressed blob: read once, not at every container start. */
  private async configOf(digest: string): Promise<ContainerImageConfig> {
    let config = this.configs.get(digest);
    if (!config) {
      config = containerConfig(await this.content.readJson<ImageConfigFile>(digest));
      if (this.configs.size >= 64) this.configs.delete(this.configs.keys().next().value!);
      this.configs.set(digest, config);
    }
    return config;
  }

  private unpack(digest: string, diffId?: string): Promise<string> {
    let pending = this.unpacks.get(digest);
    if (!pending) {
      const dir = join(this.layersDir, digestHex(digest));
      pending = import('./layer-unpack')
        .then(({ unpackLayerOnce }) => unpackLayerOnce(() => this.content.openBlob(digest) as AsyncIterable<Buffer>, dir, diffId))
        .finally(() => this.unpacks.delete(digest));
      this.unpacks.set(digest, pending);
    }
    return pending;
  }

  listImages(): Promise<ImageRecord[]> {
    return this.images.list();
  }

  removeImage(ref: string): Promise<boolean> {
    return this.images.remove(ref);
  }

  /**
   * Image GC by disk usage of the store's file system: above the high threshold, removes the least
   * recently used images whose IDs are not in inUseImageIds, then their unreferenced blobs and layers.
   */
  garbageCollect(inUseImageIds: Set<string>): Promise<string[]> {
    return this.garbageCollectImages(inUseImageIds, this.gcPolicy);
  }

  async garbageCollectImages(inUseImageIds: Set<string>, policy: ImageGcPolicy = DEFAULT_IMAGE_GC_POLICY): Promise<string[]> {
    await mkdir(this.images.root, { recursive: true });
    const fs = await statfs(this.images.root);
    const disk = { capacity: fs.blocks * fs.bsize, available: fs.bavail * fs.bsize };
    const candidates = (await this.images.list()).map((r) => ({
      name: r.name, imageId: r.configDigest, size: r.size, lastUsed: this.lastUsed.get(r.name) ?? Date.parse(r.createdAt),
    }));
    const removed: string[] = [];
    for (const image of imagesToRemove(candidates, inUseImageIds, disk, policy, this.now())) {
      if (await this.images.remove(image.name)) removed.push(image.name);
    }
    if (removed.length) await this.collectGarbage();
    return removed;
  }

  /**
   * Deletes blobs and unpacked layers that no image references. Layers still mounted by a container
   * belong to some image the agent keeps, so callers remove images only when no container uses them.
   */
  async collectGarbage(): Promise<{ blobs: string[]; layers: string[] }> {
    await this.content.cleanIngest();
    const used = await this.images.referencedBlobs();
    const blobs: string[] = [];
    for (const digest of await this.content.list()) {
      if (!used.has(digest)) {
        await this.content.delete(digest);
        blobs.push(digest);
      }
    }
    const layers: string[] = [];
    const usedHex = new Set([...used].map((d) => digestHex(d)));
    let dirs: string[] = [];
    try {
      dirs = await readdir(this.layersDir);
    } catch {
      dirs = [];
    }
    for (const dir of dirs) {
      if (!usedHex.has(dir) && !this.unpacks.has(`sha256:${dir.slice(0, 64)}`)) {
        await rm(join(this.layersDir, dir), { recursive: true, force: true });
        layers.push(dir);
      }
    }
    return { blobs, layers };
  }
}
