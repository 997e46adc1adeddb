// The table of resources Kapstan serves: the facts that the server, clients
// (kctl, controllers) and discovery share. Behaviour (validation, strategies,
// printing) lives with each component, keyed by these entries.

export type Subresource = 'status' | 'scale' | 'binding' | 'log' | 'exec' | 'attach' | 'portforward' | 'eviction';

export interface ResourceInfo {
  group: string; // '' for the core group
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: Subresource[];
  verbs: string[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function res(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[] = [],
  subresources: Subresource[] = [],
  categories: string[] = [],
): ResourceInfo {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    categories,
    subresources,
    verbs: ALL_VERBS,
  };
}

export const RESOURCES: readonly ResourceInfo[] = [
  res('', 'v1', 'Namespace', 'namespaces', false, ['ns'], ['status']),
  res('', 'v1', 'Pod', 'pods', true, ['po'], ['status', 'binding', 'log', 'exec', 'attach', 'portforward', 'eviction'], ['all']),
  res('', 'v1', 'Node', 'nodes', false, ['no'], ['status']),
  res('', 'v1', 'Service', 'services', true, ['svc'], ['status'], ['all']),
  res('', 'v1', 'Endpoints', 'endpoints', true, ['ep']),
  res('', 'v1', 'ConfigMap', 'configmaps', true, ['cm']),
  res('', 'v1', 'Secret', 'secrets', true),
  res('', 'v1', 'Event', 'events', true, ['ev']),
  res('', 'v1', 'ServiceAccount', 'serviceaccounts', true, ['sa']),
  res('apps', 'v1', 'Deployment', 'deployments', true, ['deploy'], ['status', 'scale'], ['all']),
  res('apps', 'v1', 'ReplicaSet', 'replicasets', true, ['rs'], ['status', 'scale'], ['all']),
  res('apps', 'v1', 'DaemonSet', 'daemonsets', true, ['ds'], ['status'], ['all']),
  res('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true),
  res('batch', 'v1', 'Job', 'jobs', true, [], ['status'], ['all']),
  res('batch', 'v1', 'CronJob', 'cronjobs', true, ['cj'], ['status'], ['all']),
  res('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  res('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, ['pc']),
  res('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
];

/**
 * Create-only reviews that are answered, never stored (`kubectl auth can-i`,
 * `auth whoami`). Served by the apiserver and listed in discovery only; they
 * are not in RESOURCES because nothing lists, watches or stores them.
 */
export const REVIEW_RESOURCES: readonly ResourceInfo[] = [
  review('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
  review('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
  review('authentication.k8s.io', 'v1', 'SelfSubjectReview', 'selfsubjectreviews'),
  // kubectl 1.27 asks v1beta1 (v1 arrived with Kubernetes 1.28).
  review('authentication.k8s.io', 'v1beta1', 'SelfSubjectReview', 'selfsubjectreviews'),
];

function review(group: string, version: string, kind: string, plural: string): ResourceInfo {
  return { ...res(group, version, kind, plural, false), verbs: ['create'] };
}

export function groupVersion(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function findByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  return RESOURCES.find((r) => r.group === group && r.version === version && r.kind === kind);
}

export function findByPlural(group: string, version: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** Resolves what a user types (`po`, `pods`, `pod`, `deployments.apps`, `Deployment`) to a resource. */
export function findByName(name: string, resources: readonly ResourceInfo[] = RESOURCES): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  const base = dot < 0 ? lower : lower.slice(0, dot);
  const group = dot < 0 ? undefined : lower.slice(dot + 1);
  return resources.find(
    (r) =>
      (group === undefined || r.group === group) &&
      (r.plural === base || r.singular === base || r.shortNames.includes(base) || r.kind.toLowerCase() === base),
  );
}

/** REST path of a collection or an object, as Kubernetes lays it out. */
export function resourcePath(r: ResourceInfo, namespace?: string, name?: string, subresource?: string): string {
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}
