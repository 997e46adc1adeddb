// The resource types the server serves, read from its discovery documents
// (/api/v1, /apis, /apis/<group>/<version>), so kctl knows kinds it was not
// compiled with and can name every kind the server knows.
import type { ResourceInfo, Subresource } from '../api/resources';
import { findByName, groupVersion } from '../api/resources';
import type { RestClient } from '../client/rest-client';

interface ApiResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
}

interface ApiResourceList {
  groupVersion: string;
  resources: ApiResource[];
}

interface ApiGroupList {
  groups: { name: string; preferredVersion?: { version: string }; versions: { version: string }[] }[];
}

export class UnknownResourceError extends Error {
  override name = 'UnknownResourceError';
}

export async function discoverResources(client: RestClient): Promise<ResourceInfo[]> {
  const [core, groups] = await Promise.all([client.json<ApiResourceList>('GET', '/api/v1'), client.json<ApiGroupList>('GET', '/apis')]);
  const groupLists = await Promise.all(
    (groups.groups ?? []).flatMap((g) => {
      const version = g.preferredVersion?.version ?? g.versions[0]?.version;
      return version ? [client.json<ApiResourceList>('GET', `/apis/${g.name}/${version}`)] : [];
    }),
  );
  const out: ResourceInfo[] = [];
  for (const list of [core, ...groupLists]) {
    const [group, version] = list.groupVersion.includes('/') ? list.groupVersion.split('/') : ['', list.groupVersion];
    const subs = new Map<string, Subresource[]>();
    for (const r of list.resources) {
      const slash = r.name.indexOf('/');
      if (slash > 0) subs.set(r.name.slice(0, slash), [...(subs.get(r.name.slice(0, slash)) ?? []), r.name.slice(slash + 1) as Subresource]);
    }
    for (const r of list.resources) {
      if (r.name.includes('/')) continue;
      out.push({
        group,
        version,
        kind: r.kind,
        plural: r.name,
        singular: r.singularName || r.kind.toLowerCase(),
        namespaced: r.namespaced,
        shortNames: r.shortNames ?? [],
        categories: r.categories ?? [],
        subresources: subs.get(r.name) ?? [],
        verbs: r.verbs ?? [],
      });
    }
  }
  return out;
}

/** `deployment.apps/web`'s first half: the lower-case kind plus group, as kubectl names types. */
export function typeName(r: ResourceInfo): string {
  return r.group ? `${r.kind.toLowerCase()}.${r.group}` : r.kind.toLowerCase();
}

function knownTypes(resources: readonly ResourceInfo[]): string {
  return [...new Set(resources.map((r) => r.plural))].sort().join(', ');
}

/** What a user typed (`po`, `deploy`, `deployments.apps`) to a resource type. */
export function resolveTypeName(name: string, resources: readonly ResourceInfo[]): ResourceInfo {
  const found = findByName(name, resources);
  if (!found) {
    throw new UnknownResourceError(`the server doesn't have a resource type "${name}"; it knows: ${knownTypes(resources)}`);
  }
  return found;
}

/** A manifest's apiVersion and kind to a resource type. */
export function resolveKind(apiVersion: string, kind: string, resources: readonly ResourceInfo[]): ResourceInfo {
  const found = resources.find((r) => groupVersion(r) === apiVersion && r.kind === kind);
  if (!found) {
    const kinds = [...new Set(resources.map((r) => `${r.kind} (${groupVersion(r)})`))].sort().join(', ');
    throw new UnknownResourceError(`no matches for kind "${kind}" in version "${apiVersion}"; the server knows: ${kinds}`);
  }
  return found;
}
