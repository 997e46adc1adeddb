// ImageLocality: Score nodes that already hold the pod's images higher, by
// image size scaled by how widely the image is spread (so one node holding a
// rare image does not attract every pod), as kube-scheduler's image_locality.go.
import type { Pod } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import { FrameworkHandle, MAX_NODE_SCORE, PluginFactory, PreScorePlugin, ScorePlugin } from '../framework/interface';
import { Status } from '../framework/status';
import type { NodeInfo } from '../node-info';

export const IMAGE_LOCALITY = 'ImageLocality';
const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** `nginx` → `nginx:latest`; names with a tag or digest are kept. */
export function normalizedImageName(name: string): string {
  if (name.includes('@')) return name;
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

export class ImageLocality implements PreScorePlugin, ScorePlugin {
  readonly name = IMAGE_LOCALITY;

  /** The images of the pod scored last (PreScore and Score run for one pod in a row). */
  private lastPod: Pod | undefined;
  private lastWanted: { images: string[]; containers: number } = { images: [], containers: 0 };

  constructor(private readonly handle: FrameworkHandle) {}

  /** Every node scores 0 when no node holds any of the pod's images: Skip. */
  preScore(_state: CycleState, pod: Pod): Status {
    return this.wanted(pod).images.some((image) => this.handle.nodesWithImage(image) > 0) ? Status.SUCCESS : Status.SKIP;
  }

  score(_state: CycleState, pod: Pod, node: NodeInfo): number {
    if (node.imageSizes.size === 0) return 0;
    const wanted = this.wanted(pod);
    const totalNodes = this.handle.nodes().length;
    let sum = 0;
    for (const image of wanted.images) {
      const size = node.imageSizes.get(image);
      if (size === undefined || totalNodes === 0) continue;
      sum += Math.floor((size * this.handle.nodesWithImage(image)) / totalNodes);
    }
    const max = MAX_CONTAINER_THRESHOLD * Math.max(wanted.containers, 1);
    const clamped = Math.min(Math.max(sum, MIN_THRESHOLD), max);
    return Math.floor((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
  }

  private wanted(pod: Pod): { images: string[]; containers: number } {
    if (pod !== this.lastPod) {
      const containers = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])];
      this.lastWanted = { images: containers.filter((c) => c.image).map((c) => normalizedImageName(c.image!)), containers: containers.length };
      this.lastPod = pod;
    }
    return this.lastWanted;
  }
}

export const imageLocality: PluginFactory = (_args, handle) => new ImageLocality(handle);
