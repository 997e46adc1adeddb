// Which container of which pod on which node a logs/exec request is for,
// checked the way Kubernetes' pod REST storage checks it (same messages).
import { ApiError, errors } from '../../../api/errors';
import type { KubeObject } from '../../../api/types';
import type { ResourceStore } from '../../registry/store';
import type { TunnelHub } from './tunnel-hub';
import { notConnected } from './tunnel-hub';

export interface StreamTarget {
  namespace: string;
  pod: string;
  podUid: string;
  container: string;
  nodeName: string;
}

interface PodSpecContainers {
  nodeName?: string;
  containers?: { name: string }[];
  initContainers?: { name: string }[];
  ephemeralContainers?: { name: string }[];
}

export async function resolveStreamTarget(
  pods: ResourceStore,
  hub: TunnelHub,
  namespace: string,
  name: string,
  container: string | null,
): Promise<StreamTarget> {
  const pod: KubeObject = await pods.get(namespace, name);
  const spec = (pod.spec ?? {}) as PodSpecContainers;
  const names = [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])].map((c) => c.name);
  let chosen = container ?? '';
  if (!chosen) {
    const app = (spec.containers ?? []).map((c) => c.name);
    if (app.length !== 1) {
      throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${app.join(' ')}]`);
    }
    chosen = app[0];
  } else if (!names.includes(chosen)) {
    throw errors.badRequest(`container ${chosen} is not valid for pod ${name}`);
  }
  if (!spec.nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  if (!hub.isConnected(spec.nodeName)) throw notConnected(spec.nodeName);
  return { namespace, pod: name, podUid: pod.metadata.uid ?? '', container: chosen, nodeName: spec.nodeName };
}

/** A non-negative integer query parameter, or undefined when absent. */
export function integerParam(query: URLSearchParams, name: string, min: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ApiError('BadRequest', `${name}: Invalid value: "${raw}": must be an integer greater than or equal to ${min}`);
  return n;
}

export function booleanParam(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v === 'true' || v === '1';
}
