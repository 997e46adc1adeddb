// What the agent needs from the image store (node-agent/images): an image's unpacked layers and config.
// Kept as an interface here so the agent depends on the shape, not on the store's implementation.

export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** The parts of an OCI image config that decide how a container runs. */
export interface ImageRunConfig {
  entrypoint: string[] | null;
  cmd: string[] | null;
  /** KEY=VALUE entries. */
  env: string[] | null;
  workingDir: string | null;
  /** "uid", "uid:gid", "name" or "name:group"; empty means root. */
  user: string | null;
  /** OCI StopSignal ("SIGQUIT", "QUIT" or a number): what stops the container instead of SIGTERM. */
  stopSignal?: string;
}

export interface ResolvedImage {
  /** sha256:… of the image config (what Kubernetes shows as imageID). */
  imageId: string;
  /** Unpacked layer directories, lowest (base) first. */
  layers: string[];
  config: ImageRunConfig;
}

/** Waiting reasons an image failure may name (as an Error's `reason` property); ErrImagePull otherwise. */
export const IMAGE_ERROR_REASONS = ['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName'] as const;
export type ImageErrorReason = (typeof IMAGE_ERROR_REASONS)[number];

export interface ImageProvider {
  /** Rejects with an Error whose optional `reason` is an ImageErrorReason (the store's own back-off). */
  ensureImage(ref: string, policy: ImagePullPolicy): Promise<ResolvedImage>;
  /**
   * Image GC (the kubelet's, by disk usage): removes least recently used images whose IDs are not in
   * `inUseImageIds` while the store's disk is above its high threshold; returns the removed names.
   */
  garbageCollect?(inUseImageIds: Set<string>): Promise<string[]>;
}

export function imageErrorReason(err: unknown): ImageErrorReason | undefined {
  const reason = (err as { reason?: unknown } | null)?.reason;
  return IMAGE_ERROR_REASONS.find((r) => r === reason);
}
