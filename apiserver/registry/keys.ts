// Key layout in etcd, one prefix per resource as Kubernetes does:
// /registry/<group or core>/<plural>/<namespace>/<name> (cluster-scoped: no namespace).
import type { ResourceInfo } from '../../api/resources';

export const REGISTRY_ROOT = '/registry/';

export function resourcePrefix(r: ResourceInfo): string {
  return `${REGISTRY_ROOT}${r.group || 'core'}/${r.plural}/`;
}

/** Prefix of one namespace's objects, or of all of them. */
export function collectionPrefix(r: ResourceInfo, namespace?: string): string {
  return r.namespaced && namespace ? `${resourcePrefix(r)}${namespace}/` : resourcePrefix(r);
}

export function objectKey(r: ResourceInfo, namespace: string | undefined, name: string): string {
  return r.namespaced ? `${resourcePrefix(r)}${namespace}/${name}` : `${resourcePrefix(r)}${name}`;
}
