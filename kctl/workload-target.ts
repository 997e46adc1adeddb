// The `TYPE/NAME` or `TYPE NAME...` arguments of the workload commands
// (scale, rollout, set image) resolved to concrete objects to act on.
import type { ResourceInfo } from '../api/resources';
import { UsageError } from './flags';
import { parseTypeArgs } from './get';
import type { Session } from './session';

export interface Target {
  resource: ResourceInfo;
  namespace: string | undefined;
  name: string;
}

/** Every named object in args; a type without names is a usage error. */
export async function resolveTargets(session: Session, args: string[]): Promise<Target[]> {
  if (args.length === 0) throw new UsageError('required resource not specified');
  const targets: Target[] = [];
  for (const req of await parseTypeArgs(session, args)) {
    if (req.names.length === 0) throw new UsageError('resource(s) were provided, but no name was specified');
    const namespace = req.resource.namespaced ? session.namespace : undefined;
    for (const name of req.names) targets.push({ resource: req.resource, namespace, name });
  }
  return targets;
}

/** `deployments.apps` as kubectl names a resource in per-object errors. */
export function resourceString(r: ResourceInfo): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** `Deployment.apps`, Go's GroupKind.String(), as kubectl names a kind in "not implemented for" errors. */
export function groupKind(r: ResourceInfo): string {
  return r.group ? `${r.kind}.${r.group}` : r.kind;
}

/** Go's %q of a string, as kubectl's messages quote names. */
export function quoted(s: string): string {
  return JSON.stringify(s);
}
