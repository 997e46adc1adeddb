// Which images to remove when the disk is too full, as the kubelet's image GC decides: nothing below the
// high threshold; above it, least recently used images that no container uses, until usage would be back
// at the low threshold.
export interface ImageGcPolicy {
  highThresholdPercent: number;
  lowThresholdPercent: number;
  /**
   * Images pulled, imported or asked for more recently than this are kept (the kubelet's
   * ImageMinimumGCAge, 2 min): a pod about to start must not lose the image it just got.
   */
  minimumAgeMs?: number;
}

export const DEFAULT_IMAGE_GC_POLICY: ImageGcPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minimumAgeMs: 120_000 };

export interface GcCandidate {
  name: string;
  imageId: string;
  size: number;
  /** Milliseconds since the epoch of the last time a container asked for it. */
  lastUsed: number;
}

export interface DiskSpace {
  capacity: number;
  available: number;
}

export function imagesToRemove(images: GcCandidate[], inUseImageIds: Set<string>, disk: DiskSpace, policy: ImageGcPolicy = DEFAULT_IMAGE_GC_POLICY, now = Date.now()): GcCandidate[] {
  if (disk.capacity <= 0) return [];
  const usedPercent = ((disk.capacity - disk.available) * 100) / disk.capacity;
  if (usedPercent < policy.highThresholdPercent) return [];
  let toFree = (disk.capacity * (100 - policy.lowThresholdPercent)) / 100 - disk.available;
  const chosen: GcCandidate[] = [];
  const minimumAgeMs = policy.minimumAgeMs ?? DEFAULT_IMAGE_GC_POLICY.minimumAgeMs!;
  const unused = images.filter((i) => !inUseImageIds.has(i.imageId) && now - i.lastUsed >= minimumAgeMs).sort((a, b) => a.lastUsed - b.lastUsed || a.name.localeCompare(b.name));
  for (const image of unused) {
    if (toFree <= 0) break;
    chosen.push(image);
    toFree -= image.size;
  }
  return chosen;
}
