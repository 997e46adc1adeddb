// resourceFieldRef (env and downwardAPI volumes): a container's cpu, memory or ephemeral-storage request
// or limit, divided by the divisor and rounded up, as Kubernetes' ExtractContainerResourceValue. A limit
// the container does not set is the node's allocatable, as the kubelet fills it in.
import { integerValue, milliValue } from '../../api/quantity';
import { ContainerConfigError } from './config-error';
import type { Pod, ResourceFieldSelector } from './pod-types';


const RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

export function resourceFieldValue(pod: Pod, containerName: string | undefined, ref: ResourceFieldSelector, allocatable: Record<string, string | number> = {}): string {
  const name = ref.containerName || containerName;
  const c = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((x) => x.name === name);
  if (!c) throw new ContainerConfigError(`resourceFieldRef ${ref.resource}: no container "${name ?? ''}" in the pod`);
  const [kind, resource] = ref.resource.split(/\.(.*)/s);
  if ((kind !== 'limits' && kind !== 'requests') || !RESOURCES.includes(resource)) {
    throw new ContainerConfigError(`resourceFieldRef: unsupported resource ${ref.resource}`);
  }
  const set = kind === 'limits' ? c.resources?.limits?.[resource] : c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
  const value = set ?? (kind === 'limits' ? allocatable[resource] : undefined) ?? 0;
  const divisor = ref.divisor ?? 1;
  if (resource === 'cpu') return String(Math.ceil(milliValue(value) / (milliValue(divisor) || 1000)));
  return String(Math.ceil(integerValue(value) / (integerValue(divisor) || 1)));
}
