// A DaemonSet's history as ControllerRevisions, as Kubernetes keeps it: one
// revision per pod template, named `<daemonset>-<hash>` with the pods'
// controller-revision-hash label, its `data` the strategic merge patch that
// restores the template (what `kubectl rollout undo` sends back), numbered
// one past the highest so far — also when an older template comes back (a
// rollback renumbers its revision). Revisions no pod runs beyond
// revisionHistoryLimit (10) are deleted, oldest first.
import { isApiError } from '../api/errors';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { Informer } from '../client/informer';
import type { RestClient } from '../client/rest-client';
import { controllerRefOf, makeControllerRef } from './owner-refs';
import type { PodTemplate } from './workload-types';

export const controllerRevisionsResource = findByKind('apps/v1', 'ControllerRevision')!;

export interface ControllerRevision extends KubeObject {
  data?: Record<string, unknown>;
  revision: number;
}

interface Owner extends KubeObject {
  spec: { template?: PodTemplate; revisionHistoryLimit?: number };
}

/** `{"spec":{"template":{…,"$patch":"replace"}}}`: the patch that puts this template back. */
export function templatePatch(template: PodTemplate | undefined): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(template ?? {}), $patch: 'replace' } } };
}

export class DaemonSetHistory {
  constructor(
    private readonly client: RestClient,
    private readonly revisions: Informer<ControllerRevision>,
    private readonly hashLabel: string,
  ) {}

  /** The revisions `owner` controls, oldest first. */
  of(owner: KubeObject): ControllerRevision[] {
    return this.revisions
      .list(owner.metadata.namespace)
      .filter((r) => controllerRefOf(r)?.uid === owner.metadata.uid)
      .sort((a, b) => a.revision - b.revision);
  }

  /** Makes the current template the newest revision and prunes old ones no pod runs. */
  async sync(owner: Owner, hash: string, liveHashes: Set<string>): Promise<void> {
    const history = this.of(owner);
    const max = history.reduce((m, r) => Math.max(m, r.revision), 0);
    const current = history.find((r) => r.metadata.labels?.[this.hashLabel] === hash);
    if (!current) await this.create(owner, hash, max + 1);
    else if (current.revision < max) {
      const next = structuredClone(current);
      next.revision = max + 1;
      next.metadata.annotations = { ...(owner.metadata.annotations ?? {}) };
      await this.ignoreNotFound(this.client.update(controllerRevisionsResource, owner.metadata.namespace, next));
    }
    const limit = owner.spec.revisionHistoryLimit ?? 10;
    const prunable = history.filter((r) => r !== current && !liveHashes.has(r.metadata.labels?.[this.hashLabel] ?? ''));
    for (const r of prunable.slice(0, Math.max(0, prunable.length - limit))) {
      await this.ignoreNotFound(this.client.delete(controllerRevisionsResource, r.metadata.namespace, r.metadata.name!, { preconditions: { uid: r.metadata.uid } }));
    }
  }

  private async create(owner: Owner, hash: string, revision: number): Promise<void> {
    const revisionObject: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${owner.metadata.name!.slice(0, 223)}-${hash}`,
        namespace: owner.metadata.namespace,
        labels: { ...(owner.spec.template?.metadata?.labels ?? {}), [this.hashLabel]: hash },
        ...(owner.metadata.annotations ? { annotations: { ...owner.metadata.annotations } } : {}),
        ownerReferences: [makeControllerRef(owner)],
      },
      data: templatePatch(owner.spec.template),
      revision,
    };
    try {
      await this.client.create(controllerRevisionsResource, owner.metadata.namespace, revisionObject);
    } catch (err) {
      // Made by a pass the cache has not shown yet: its event brings the DaemonSet back.
      if (!isApiError(err, 'AlreadyExists')) throw err;
    }
  }

  private async ignoreNotFound(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}
