// The Endpoints controller: for every Service with a selector, an Endpoints
// object of the same name listing the IPs of the matching pods — ready ones
// under `addresses`, the others under `notReadyAddresses` (all as ready with
// publishNotReadyAddresses) — with the Service's ports, a named targetPort
// resolved in each pod's containers. Pods whose ports resolve differently
// land in different subsets, as Kubernetes packs them.
import { isApiError } from '../api/errors';
import { labelSelectorToSelector } from '../api/labels';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { Informer } from '../client/informer';
import { keyOf, splitKey } from '../client/informer';
import { Controller, ControllerContext } from './controller';
import { isPodReady } from './pod-state';
import { podsResource } from './replicaset';
import { Service, ServicePort, enqueueServicesOnChange } from './service-pods';
import type { Pod } from './workload-types';

export const servicesResource = findByKind('v1', 'Service')!;
export const endpointsResource = findByKind('v1', 'Endpoints')!;

interface EndpointAddress {
  ip: string;
  nodeName?: string;
  hostname?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

interface Endpoints extends KubeObject {
  subsets?: EndpointSubset[];
}

type Container = { ports?: Array<{ name?: string; containerPort: number; protocol?: string }> };

/** The container port a Service port reaches on this pod, or undefined when a named port is missing. */
export function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const containers = ((pod.spec as { containers?: Container[] } | undefined)?.containers ?? []);
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort;
  }
  return undefined;
}

export class EndpointsController extends Controller {
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly endpoints: Informer<Endpoints>;

  constructor(ctx: ControllerContext) {
    super('endpoints-controller', ctx);
    this.services = this.informers.for<Service>(servicesResource);
    this.pods = this.informers.for<Pod>(podsResource);
    this.endpoints = this.informers.for<Endpoints>(endpointsResource);
    enqueueServicesOnChange(this.services, this.pods, (svc) => this.enqueue(svc));
    // Someone else changing or deleting an Endpoints we manage: put it back.
    this.endpoints.addEventHandler({
      onUpdate: (_o, e) => this.services.get(keyOf(e)) && this.enqueue(e),
      onDelete: (e) => this.services.get(keyOf(e)) && this.enqueue(e),
    });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(key);
    const current = this.endpoints.get(key);
    if (!svc) {
      // The Service is gone: so is its Endpoints.
      if (current) await this.ignoreNotFound(this.client.delete(endpointsResource, namespace, name, { preconditions: { uid: current.metadata.uid } }), true);
      return;
    }
    const selector = svc.spec?.selector;
    // Without a selector the Endpoints are the user's to manage.
    if (!selector || Object.keys(selector).length === 0) return;
    const subsets = this.subsetsFor(svc, this.pods.listBySelector(namespace, labelSelectorToSelector({ matchLabels: selector })));
    const labels = { ...(svc.metadata.labels ?? {}) };
    if (current) {
      if (JSON.stringify(current.subsets ?? []) === JSON.stringify(subsets) && JSON.stringify(current.metadata.labels ?? {}) === JSON.stringify(labels)) return;
      const next = structuredClone(current);
      next.metadata.labels = labels;
      next.subsets = subsets;
      await this.ignoreNotFound(this.client.update(endpointsResource, namespace, next));
      return;
    }
    try {
      await this.client.create(endpointsResource, namespace, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels }, subsets });
    } catch (err) {
      // Made by a previous pass the cache has not shown yet: the update event brings us back.
      if (!isApiError(err, 'AlreadyExists')) throw err;
    }
  }

  private subsetsFor(svc: Service, pods: Pod[]): EndpointSubset[] {
    const ports = svc.spec?.ports ?? [];
    const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
    const bySignature = new Map<string, EndpointSubset>();
    const sorted = [...pods].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    for (const pod of sorted) {
      const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
      const phase = pod.status?.phase;
      if (!ip || pod.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') continue;
      const resolved: EndpointPort[] = [];
      for (const sp of ports) {
        const port = resolveTargetPort(sp, pod);
        if (port === undefined) continue;
        resolved.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
      }
      if (ports.length > 0 && resolved.length === 0) continue;
      const address: EndpointAddress = {
        ip,
        ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
        targetRef: { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! },
      };
      const signature = JSON.stringify(resolved);
      let subset = bySignature.get(signature);
      if (!subset) bySignature.set(signature, (subset = { ports: resolved }));
      if (publishNotReady || isPodReady(pod)) (subset.addresses ??= []).push(address);
      else (subset.notReadyAddresses ??= []).push(address);
    }
    return [...bySignature.values()].map((s) => {
      const ordered: EndpointSubset = {};
      if (s.addresses) ordered.addresses = s.addresses;
      if (s.notReadyAddresses) ordered.notReadyAddresses = s.notReadyAddresses;
      if (s.ports && s.ports.length) ordered.ports = s.ports;
      return ordered;
    });
  }

  /** NotFound means there is nothing left to change; so does a Conflict on a uid precondition. */
  private async ignoreNotFound(p: Promise<unknown>, uidPrecondition = false): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (isApiError(err, 'NotFound') || (uidPrecondition && isApiError(err, 'Conflict'))) return;
      throw err;
    }
  }
}
