import type { ResourceStrategy } from '../strategy';

interface NamespaceSpec {
  finalizers?: string[];
}

export const namespaceStrategy: ResourceStrategy = {
  prepareForCreate(obj) {
    const spec = (obj.spec ?? {}) as NamespaceSpec;
    obj.spec = { ...spec, finalizers: spec.finalizers ?? ['kubernetes'] };
    obj.status = { phase: 'Active' };
  },
  prepareForUpdate(obj, old) {
    // spec.finalizers change only through the finalize subresource.
    obj.spec = old.spec;
  },
  // Deleting a namespace makes it Terminating; the namespace controller empties
  // it and then removes the `kubernetes` finalizer.
  beginDelete(obj) {
    const spec = (obj.spec ?? {}) as NamespaceSpec;
    if ((spec.finalizers ?? []).length === 0) return false;
    obj.status = { ...(obj.status as object), phase: 'Terminating' };
    return true;
  },
};
