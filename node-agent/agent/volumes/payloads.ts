// What a configMap, secret, downwardAPI or projected volume holds: pure functions from the pod and the
// fetched objects to a Payload (path → content, mode), with Kubernetes' rules for items, modes and
// optional sources. A problem is a VolumeError with the kubelet's wording.
import { ContainerConfigError, podMetadataField } from '../container-config';
import { resourceFieldValue } from '../resource-field';
import { configMapValues, objectKey, secretValues, type PodObjectKind, type PodObjects } from '../pod-objects';
import type { DownwardAPIFile, KeyToPath, Pod, Volume, VolumeProjection } from '../pod-types';
import type { Payload } from './atomic-writer';

/** Kubernetes' default for defaultMode (0644). */
export const DEFAULT_MODE = 0o644;

/** A volume cannot be set up or mounted (a config error of the pod: it needs a change or a missing object). */
export class VolumeError extends ContainerConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'VolumeError';
  }
}

/** The ConfigMaps and Secrets a pod's volumes read. */
export function volumeObjectRefs(volumes: Volume[]): { kind: PodObjectKind; name: string }[] {
  const refs: { kind: PodObjectKind; name: string }[] = [];
  for (const v of volumes) {
    if (v.configMap) refs.push({ kind: 'ConfigMap', name: v.configMap.name });
    if (v.secret) refs.push({ kind: 'Secret', name: v.secret.secretName });
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap) refs.push({ kind: 'ConfigMap', name: s.configMap.name });
      if (s.secret) refs.push({ kind: 'Secret', name: s.secret.name });
    }
  }
  return refs;
}

interface ObjectSource {
  name: string;
  items?: KeyToPath[];
  optional?: boolean;
}

/** One configMap/secret source: every key, or only the items, each at its path with its mode. */
function objectPayload(kind: PodObjectKind, src: ObjectSource, objects: PodObjects, mode: number, into: Payload): void {
  const obj = objects.get(objectKey(kind, src.name));
  if (obj === undefined) throw new Error(`${kind} ${src.name} was not fetched before the volume was built`);
  const label = kind === 'ConfigMap' ? 'configmap' : 'secret';
  if (obj === null) {
    if (src.optional) return;
    throw new VolumeError(`${label} "${src.name}" not found`);
  }
  const values = kind === 'ConfigMap' ? configMapValues(obj, true) : secretValues(obj);
  if (!src.items?.length) {
    for (const [key, data] of values) into.set(key, { data, mode });
    return;
  }
  for (const item of src.items) {
    const data = values.get(item.key);
    if (data === undefined) {
      if (src.optional) continue;
      throw new VolumeError(`${label} references non-existent ${kind === 'ConfigMap' ? 'config' : 'secret'} key: ${item.key}`);
    }
    into.set(item.path, { data, mode: item.mode ?? mode });
  }
}

/** labels and annotations as the kubelet writes them: sorted `key="value"` lines. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${JSON.stringify(m![k])}`).join('\n');
}

function downwardValue(pod: Pod, file: DownwardAPIFile, allocatable: Record<string, string> | undefined): string {
  if (file.resourceFieldRef) return resourceFieldValue(pod, undefined, file.resourceFieldRef, allocatable);
  if (!file.fieldRef) throw new VolumeError(`downwardAPI item ${file.path}: it needs a fieldRef or a resourceFieldRef`);
  const path = file.fieldRef.fieldPath;
  const meta = podMetadataField(pod, path);
  if (meta !== undefined) return meta;
  switch (path) {
    case 'metadata.labels': return formatMap(pod.metadata.labels);
    case 'metadata.annotations': return formatMap(pod.metadata.annotations as Record<string, string> | undefined);
    default: throw new VolumeError(`downwardAPI item ${file.path}: unsupported fieldPath ${path}`);
  }
}

function downwardPayload(pod: Pod, items: DownwardAPIFile[], sources: VolumeSources, mode: number, into: Payload): void {
  for (const item of items) into.set(item.path, { data: Buffer.from(downwardValue(pod, item, sources.allocatable), 'utf8'), mode: item.mode ?? mode });
}

function projectionPayload(pod: Pod, s: VolumeProjection, sources: VolumeSources, mode: number, into: Payload): void {
  if (s.configMap) objectPayload('ConfigMap', s.configMap, sources.objects, mode, into);
  else if (s.secret) objectPayload('Secret', s.secret, sources.objects, mode, into);
  else if (s.downwardAPI) downwardPayload(pod, s.downwardAPI.items ?? [], sources, mode, into);
  else throw new VolumeError(`projected source ${Object.keys(s)[0] ?? '(empty)'} is not supported by this agent`);
}

/** The files of a configMap, secret, downwardAPI or projected volume; undefined for other kinds. */
/** What volume files are made of besides the pod: the fetched objects and the node's allocatable. */
export interface VolumeSources {
  objects: PodObjects;
  allocatable?: Record<string, string>;
}

export function volumePayload(pod: Pod, v: Volume, sources: VolumeSources): Payload | undefined {
  const { objects } = sources;
  const out: Payload = new Map();
  if (v.configMap) objectPayload('ConfigMap', v.configMap, objects, v.configMap.defaultMode ?? DEFAULT_MODE, out);
  else if (v.secret) objectPayload('Secret', { ...v.secret, name: v.secret.secretName }, objects, v.secret.defaultMode ?? DEFAULT_MODE, out);
  else if (v.downwardAPI) downwardPayload(pod, v.downwardAPI.items ?? [], sources, v.downwardAPI.defaultMode ?? DEFAULT_MODE, out);
  else if (v.projected) for (const s of v.projected.sources ?? []) projectionPayload(pod, s, sources, v.projected.defaultMode ?? DEFAULT_MODE, out);
  else return undefined;
  return out;
}

/** Volumes whose files come from the API and are kept current by a periodic resync. */
export function hasApiVolumes(volumes: Volume[] | undefined): boolean {
  return (volumes ?? []).some((v) => v.configMap || v.secret || v.downwardAPI || v.projected);
}
