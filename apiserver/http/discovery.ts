// Legacy discovery documents (/api, /apis, /api/v1, /apis/<g>/<v>). kubectl
// asks for aggregated discovery first and falls back to these when the reply
// is plain JSON.
import { RESOURCES, REVIEW_RESOURCES, ResourceInfo, groupVersion } from '../../api/resources';

// Stored resources, then the create-only reviews (auth can-i, auth whoami).
const SERVED: readonly ResourceInfo[] = [...RESOURCES, ...REVIEW_RESOURCES];

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groups(): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of SERVED) {
    if (!r.group) continue;
    const versions = m.get(r.group) ?? [];
    if (!versions.includes(r.version)) versions.push(r.version);
    m.set(r.group, versions);
  }
  return m;
}

function apiGroup(name: string, versions: string[]) {
  const vs = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList() {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups()].map(([name, versions]) => apiGroup(name, versions)),
  };
}

export function apiGroupDoc(group: string) {
  const versions = groups().get(group);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) } : undefined;
}

const SUBRESOURCE_VERBS: Record<string, { verbs: string[]; kind?: string; group?: string; version?: string }> = {
  status: { verbs: ['get', 'patch', 'update'] },
  scale: { verbs: ['get', 'patch', 'update'], kind: 'Scale', group: 'autoscaling', version: 'v1' },
  binding: { verbs: ['create'], kind: 'Binding' },
  log: { verbs: ['get'], kind: 'Pod' },
  exec: { verbs: ['create', 'get'], kind: 'PodExecOptions' },
  attach: { verbs: ['create', 'get'], kind: 'PodAttachOptions' },
  portforward: { verbs: ['create', 'get'], kind: 'PodPortForwardOptions' },
  eviction: { verbs: ['create'], kind: 'Eviction', group: 'policy', version: 'v1' },
};

function resourceEntries(r: ResourceInfo) {
  const main = {
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
  };
  const subs = r.subresources.map((s) => {
    const meta = SUBRESOURCE_VERBS[s];
    return {
      name: `${r.plural}/${s}`,
      singularName: '',
      namespaced: r.namespaced,
      kind: meta.kind ?? r.kind,
      verbs: meta.verbs,
      ...(meta.group !== undefined ? { group: meta.group, version: meta.version } : {}),
    };
  });
  return [main, ...subs];
}

export function apiResourceList(group: string, version: string) {
  const rs = SERVED.filter((r) => r.group === group && r.version === version);
  if (rs.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources: rs.flatMap(resourceEntries),
  };
}
