import type { ResourceStrategy } from '../strategy';
import type { KubeObject } from '../../../api/types';
import { errors } from '../../../api/errors';

interface PodSpec {
  nodeName?: string;
  terminationGracePeriodSeconds?: number;
}

/** A PriorityClass's value by name; undefined when there is none. */
export type PriorityLookup = (name: string) => Promise<number | undefined>;

/** The classes every Kubernetes cluster has. */
const SYSTEM_PRIORITY_CLASSES: Record<string, number> = {
  'system-cluster-critical': 2000000000,
  'system-node-critical': 2000001000,
};

/**
 * The pod strategy plus the Priority admission step: a pod naming a
 * priorityClassName gets that class's value as spec.priority; an unknown
 * class is refused (403), as Kubernetes does.
 */
export function podStrategyWith(priorityOf: PriorityLookup): ResourceStrategy {
  return {
    ...podStrategy,
    async beforeCreate(obj) {
      const spec = (obj.spec ?? {}) as { priorityClassName?: string; priority?: number };
      if (!spec.priorityClassName) return;
      const value = SYSTEM_PRIORITY_CLASSES[spec.priorityClassName] ?? (await priorityOf(spec.priorityClassName));
      if (value === undefined) {
        throw errors.forbidden(`pods "${obj.metadata.name}" is forbidden: no PriorityClass with name ${spec.priorityClassName} was found`);
      }
      obj.spec = { ...spec, priority: value };
    },
  };
}

export const podStrategy: ResourceStrategy = {
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending', qosClass: qosClass(obj) };
  },
  // Pods on a node get their grace period so the agent can stop them; a pod
  // never bound, or already finished, goes at once.
  gracePeriod(obj, opts) {
    const spec = (obj.spec ?? {}) as PodSpec;
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    return opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
  },
};

/** Guaranteed, Burstable or BestEffort, from the containers' requests and limits. */
export function qosClass(pod: KubeObject): string {
  const spec = (pod.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (l === undefined || String(q) !== String(l)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

interface Container {
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}
