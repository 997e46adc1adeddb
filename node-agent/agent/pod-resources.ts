// What a pod's containers get from outside their image: volumes, env from ConfigMaps and Secrets, and the
// pod's /etc/hosts and /etc/resolv.conf. pod-sync.ts calls prepare() once per sync (volumes follow their
// sources through it) and, per container start, envSources() and mounts().
import { ApiError } from '../../api/errors';
import type { ResolvConf } from '../dns/resolv-conf';
import type { OciMount } from '../runtime/oci-spec';
import { ContainerConfigError, containerEnvRefs } from './container-config';
import { podFileMounts, writePodFiles, type ClusterDns, type PodFilePaths } from './pod-files';
import { PodObjectCache, type PodObjectGetter, type PodObjectKind, type PodObjects } from './pod-objects';
import type { ContainerSpec, Pod } from './pod-types';
import { hasApiVolumes, volumeObjectRefs } from './volumes/payloads';
import { setUpVolumes, type MountedVolume } from './volumes/pod-volumes';
import { containerVolumeMounts, sortByDepth } from './volumes/volume-mounts';

export interface PodResourcesOptions {
  /** Reads ConfigMaps and Secrets (NodeClient); without it, pods that reference any fail to start. */
  objects?: PodObjectGetter;
  /** How long a fetched object is used before it is read again (the kubelet's TTL cache). */
  objectTtlMs?: number;
  clusterDns?: ClusterDns;
  /** The node's resolver config (default: /etc/resolv.conf, or systemd-resolved's upstream list). */
  nodeResolv?: ResolvConf;
  /** The node's allocatable resources (resourceFieldRef of a limit the container does not set). */
  allocatable?: Record<string, string>;
}

export interface PreparedPod {
  podDir: string;
  volumes: Map<string, MountedVolume>;
  files: PodFilePaths;
}

const NO_OBJECTS: PodObjectGetter = {
  getPodObject: async (kind) => {
    throw new ApiError('ServiceUnavailable', `this agent has no connection to read ${kind}s`);
  },
};

export class PodResources {
  private readonly cache: PodObjectCache;

  constructor(private readonly o: PodResourcesOptions) {
    this.cache = new PodObjectCache(o.objects ?? NO_OBJECTS, o.objectTtlMs ?? 5_000);
  }

  /** Whether the pod's volumes need a periodic resync to follow their sources. */
  needsResync(pod: Pod): boolean {
    return hasApiVolumes(pod.spec.volumes);
  }

  /** Sets up or refreshes the pod's volumes and writes its hosts/resolv.conf files; throws a VolumeError. */
  async prepare(podDir: string, pod: Pod, ctx: { podIPs: string[]; hostname: string }): Promise<PreparedPod> {
    const objects = await this.fetch(pod, volumeObjectRefs(pod.spec.volumes ?? []));
    const volumes = await setUpVolumes(podDir, pod, { objects, allocatable: this.o.allocatable });
    const files = await writePodFiles(podDir, pod, { ...ctx, clusterDns: this.o.clusterDns, nodeResolv: this.o.nodeResolv });
    return { podDir, volumes, files };
  }

  /** What the container's env reads besides the pod: its ConfigMaps and Secrets (absent ones as null), the node's allocatable. */
  async envSources(pod: Pod, c: ContainerSpec): Promise<{ objects: PodObjects; allocatable?: Record<string, string> }> {
    return { objects: await this.fetch(pod, containerEnvRefs(c)), allocatable: this.o.allocatable };
  }

  /** The container's volume mounts and the pod's files, parents first. */
  async mounts(c: ContainerSpec, prepared: PreparedPod): Promise<OciMount[]> {
    return sortByDepth([...podFileMounts(c, prepared.files), ...(await containerVolumeMounts(c, prepared.volumes, prepared.podDir))]);
  }

  private async fetch(pod: Pod, refs: { kind: PodObjectKind; name: string }[]): Promise<PodObjects> {
    try {
      return await this.cache.fetch(pod.metadata.namespace ?? 'default', refs);
    } catch (err) {
      throw new ContainerConfigError(`cannot read the pod's ConfigMaps/Secrets: ${(err as Error).message}`);
    }
  }
}
