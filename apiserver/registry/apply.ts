// Server-side apply over a ResourceStore (PATCH application/apply-patch+yaml):
// merge into the live object with ownership checks, or create the object
// when it does not exist. Field ownership on every other write is recorded
// through `updateTracker`. The algorithms live in api/managed-fields.
import { errors, isApiError } from '../../api/errors';
import { applyConfiguration, managedFieldsAfterUpdate, ManagedFieldsEntry, WriteContext } from '../../api/managed-fields';
import { groupVersion } from '../../api/resources';
import type { KubeObject } from '../../api/types';
import { rfc3339, ResourceStore, WriteOptions, WriteResult } from './store';

export interface ApplyOptions extends WriteOptions {
  manager: string;
  force: boolean;
  subresource?: 'status';
}

function contextFor(store: ResourceStore, manager: string, subresource: string | undefined): WriteContext {
  return {
    kind: store.info.kind,
    apiVersion: groupVersion(store.info),
    manager,
    subresource,
    statusIsSubresource: store.info.subresources.includes('status'),
    now: rfc3339(new Date()),
  };
}

/**
 * The managedFields hook for create, update and patch by `manager`. Objects
 * whose lists cannot be keyed (duplicate or missing merge keys) keep their
 * managedFields unchanged rather than failing the write, as Kubernetes does.
 */
export function updateTracker(store: ResourceStore, manager: string, subresource?: string): NonNullable<WriteOptions['managedFields']> {
  return (current, next) => {
    try {
      return managedFieldsAfterUpdate(current, next, contextFor(store, manager, subresource));
    } catch (err) {
      if (isApiError(err)) return current?.metadata.managedFields ?? undefined;
      throw err;
    }
  };
}

export async function applyObject(
  store: ResourceStore,
  namespace: string | undefined,
  name: string,
  config: KubeObject,
  opts: ApplyOptions,
): Promise<WriteResult & { created: boolean }> {
  const body = checkConfig(store, namespace, name, config);
  const warnings = store.checkFields(body, opts.fieldValidation);
  const precondition = body.metadata.resourceVersion;
  const { manager, force, subresource, ...writeOpts } = opts;
  for (let attempt = 0; ; attempt++) {
    let managedFields: ManagedFieldsEntry[] | undefined;
    try {
      const res = await store.guaranteedUpdate(
        namespace,
        name,
        precondition,
        (live) => {
          const applied = applyConfiguration(live, body, contextFor(store, manager, subresource), force);
          managedFields = applied.managedFields;
          return applied.object;
        },
        Object.assign({}, writeOpts, { managedFields: () => managedFields }),
        subresource,
        warnings,
      );
      return Object.assign(res, { created: false });
    } catch (err) {
      if (!isApiError(err, 'NotFound') || subresource || precondition) throw err;
    }
    // Apply-create: the configuration is the whole object, owned by the applier.
    try {
      const res = await store.create(namespace, body, Object.assign({}, writeOpts, {
        managedFields: () => applyConfiguration(undefined, body, contextFor(store, manager, undefined), force).managedFields,
      }));
      return Object.assign(res, { warnings: [...warnings, ...res.warnings], created: true });
    } catch (err) {
      // Created by someone else in between: apply to theirs.
      if (!isApiError(err, 'AlreadyExists') || attempt >= 3) throw err;
    }
  }
}

/** What Kubernetes checks in an apply body before merging it. */
function checkConfig(store: ResourceStore, namespace: string | undefined, name: string, config: KubeObject): KubeObject {
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw errors.badRequest('the apply configuration must be an object');
  const apiVersion = groupVersion(store.info);
  if (config.apiVersion !== undefined && config.apiVersion !== apiVersion) {
    throw errors.badRequest(`the apiVersion "${config.apiVersion}" of the body does not match "${apiVersion}"`);
  }
  if (config.kind !== undefined && config.kind !== store.info.kind) {
    throw errors.badRequest(`the kind "${config.kind}" of the body does not match the ${store.info.kind} endpoint`);
  }
  const metadata = config.metadata ?? {};
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw errors.badRequest('metadata must be an object');
  if (metadata.name !== undefined && metadata.name !== name) {
    throw errors.badRequest(`the name of the object (${String(metadata.name)}) does not match the name on the URL (${name})`);
  }
  if (store.info.namespaced && metadata.namespace && metadata.namespace !== namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (Array.isArray(metadata.managedFields) ? metadata.managedFields.length > 0 : metadata.managedFields !== undefined && metadata.managedFields !== null) {
    throw errors.badRequest('metadata.managedFields must be nil');
  }
  const { managedFields: _mf, ...meta } = metadata;
  return { ...config, apiVersion, kind: store.info.kind, metadata: { ...meta, name } };
}
