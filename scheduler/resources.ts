// Resource vectors as the scheduler counts them: millicores, bytes, and whole
// units for extended resources. A pod's request follows Kubernetes
// (k8s.io/component-helpers resource.PodRequests): the sum of its containers
// and restartable (sidecar) init containers, at least the largest one-shot
// init container plus the sidecars started before it, plus pod overhead.
import { integerValue, milliValue } from '../api/quantity';
import type { Container, Node, Pod, ResourceList } from './api-types';

export interface Resources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources (nvidia.com/gpu, hugepages-2Mi…) by name. */
  scalar: Record<string, number>;
}

/** Requests assumed for scoring when a container names none (kube-scheduler's non-zero defaults). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const IGNORED = new Set(['pods']);

export function emptyResources(): Resources {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, scalar: {} };
}

// Parsing a quantity is costly (a regular expression and BigInt arithmetic) and
// every pod of a workload repeats the same few strings ("100m", "128Mi"): the
// values are remembered by string. Malformed quantities throw as before and are not kept.
const MAX_REMEMBERED_QUANTITIES = 4096;
const milliValues = new Map<string | number, number>();
const integerValues = new Map<string | number, number>();

function remembered(values: Map<string | number, number>, q: string | number, parse: (q: string | number) => number): number {
  let v = values.get(q);
  if (v === undefined) {
    v = parse(q);
    if (values.size >= MAX_REMEMBERED_QUANTITIES) values.clear();
    values.set(q, v);
  }
  return v;
}

const millis = (q: string | number) => remembered(milliValues, q, milliValue);
const units = (q: string | number) => remembered(integerValues, q, integerValue);

export function resourcesOf(list: ResourceList | undefined): Resources {
  const r = emptyResources();
  for (const [name, value] of Object.entries(list ?? {})) {
    if (name === 'cpu') r.milliCPU = millis(value);
    else if (name === 'memory') r.memory = units(value);
    else if (name === 'ephemeral-storage') r.ephemeralStorage = units(value);
    else if (!IGNORED.has(name)) r.scalar[name] = units(value);
  }
  return r;
}

export function addInto(target: Resources, r: Resources, sign = 1): void {
  target.milliCPU += sign * r.milliCPU;
  target.memory += sign * r.memory;
  target.ephemeralStorage += sign * r.ephemeralStorage;
  // for…in: no entry arrays for the (usually empty) extended resources of every pod added or removed.
  for (const k in r.scalar) target.scalar[k] = (target.scalar[k] ?? 0) + sign * r.scalar[k];
}

function maxInto(target: Resources, r: Resources): void {
  target.milliCPU = Math.max(target.milliCPU, r.milliCPU);
  target.memory = Math.max(target.memory, r.memory);
  target.ephemeralStorage = Math.max(target.ephemeralStorage, r.ephemeralStorage);
  for (const k in r.scalar) target.scalar[k] = Math.max(target.scalar[k] ?? 0, r.scalar[k]);
}

function copy(r: Resources): Resources {
  return { ...r, scalar: { ...r.scalar } };
}

/** Container requests, or with `nonZero` the scoring defaults for cpu/memory left unset. */
function containerRequests(c: Container, nonZero: boolean): Resources {
  const r = resourcesOf(c.resources?.requests);
  if (nonZero) {
    const requests = c.resources?.requests ?? {};
    if (!('cpu' in requests)) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (!('memory' in requests)) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * The last pod's requests (cached objects are never mutated): one scheduling
 * cycle reads them in PreFilter, Score and assume. A one-entry memo rather than
 * a WeakMap, whose entries every garbage collection has to visit.
 */
const last: { pod: Pod | undefined; requests: Readonly<Resources> | undefined; nonZero: Readonly<Resources> | undefined } = {
  pod: undefined,
  requests: undefined,
  nonZero: undefined,
};

/**
 * What the pod asks for; `nonZero` substitutes the scoring defaults for unset
 * cpu/memory. The result may be shared: do not modify it.
 */
export function podRequests(pod: Pod, nonZero = false): Readonly<Resources> {
  if (last.pod !== pod) {
    last.pod = pod;
    last.requests = last.nonZero = undefined;
  }
  if (nonZero) return (last.nonZero ??= computePodRequests(pod, true));
  return (last.requests ??= computePodRequests(pod, false));
}

function computePodRequests(pod: Pod, nonZero: boolean): Resources {
  const total = emptyResources();
  for (const c of pod.spec.containers ?? []) addInto(total, containerRequests(c, nonZero));
  const sidecars = emptyResources();
  const initMax = emptyResources();
  for (const ic of pod.spec.initContainers ?? []) {
    const r = containerRequests(ic, nonZero);
    if (ic.restartPolicy === 'Always') {
      // A sidecar runs alongside everything after it.
      addInto(total, r);
      addInto(sidecars, r);
      maxInto(initMax, copy(sidecars));
    } else {
      addInto(r, sidecars);
      maxInto(initMax, r);
    }
  }
  maxInto(total, initMax);
  if (pod.spec.overhead) addInto(total, resourcesOf(pod.spec.overhead));
  return total;
}

export interface Allocatable extends Resources {
  allowedPodNumber: number;
}

export function nodeAllocatable(node: Node): Allocatable {
  const list = node.status?.allocatable ?? node.status?.capacity ?? {};
  const r = resourcesOf(list);
  return { ...r, allowedPodNumber: list.pods !== undefined ? units(list.pods) : 0 };
}
