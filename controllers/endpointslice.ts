// The EndpointSlice controller: for every Service with a selector, the
// discovery.k8s.io/v1 EndpointSlices that list its pods, as Kubernetes' does
// (kube-proxy, `kubectl describe service` 1.29+ and DNS read these). Each
// slice is labelled kubernetes.io/service-name and managed-by this controller,
// is controlled by the Service (so the garbage collector removes it with the
// Service), holds at most 100 endpoints of one address type and one resolved
// port set, and is written only when its content changes (endpointslice-plan.ts).
// Endpoints carry ready / serving / terminating, nodeName, zone, hostname and
// a targetRef to the pod.
import { isIPv6 } from 'node:net';
import { isApiError } from '../api/errors';
import { labelSelectorToSelector } from '../api/labels';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { Informer } from '../client/informer';
import { splitKey } from '../client/informer';
import { Controller, ControllerContext } from './controller';
import { resolveTargetPort, servicesResource } from './endpoints';
import { planSlices, EndpointGroup, ExistingSlice, SliceContent, SliceEndpoint, SlicePort, MAX_ENDPOINTS_PER_SLICE } from './endpointslice-plan';
import { Expectations } from './expectations';
import { controllerRefOf } from './owner-refs';
import { isPodReady } from './pod-state';
import { podsResource } from './replicaset';
import { selectorOf, Service, enqueueServicesOnChange } from './service-pods';
import type { Pod } from './workload-types';

export const endpointSlicesResource = findByKind('discovery.k8s.io/v1', 'EndpointSlice')!;
const nodesResource = findByKind('v1', 'Node')!;
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
const ZONE_LABEL = 'topology.kubernetes.io/zone';
const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export interface EndpointSlice extends KubeObject {
  addressType: string;
  endpoints?: SliceEndpoint[];
  ports?: SlicePort[];
}

interface PodSpecFields {
  hostname?: string;
  subdomain?: string;
  containers?: unknown[];
}

export interface EndpointSliceControllerOptions {
  maxEndpointsPerSlice?: number;
}

export class EndpointSliceController extends Controller {
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly nodes: Informer;
  /** Creations and deletions of slices not yet in the cache: no second slice for the same endpoints. */
  private readonly expectations: Expectations;
  private readonly maxPerSlice: number;

  constructor(ctx: ControllerContext, opts: EndpointSliceControllerOptions = {}) {
    super('endpointslice-controller', ctx);
    this.maxPerSlice = opts.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
    this.expectations = new Expectations(this.clock);
    this.services = this.informers.for<Service>(servicesResource);
    this.pods = this.informers.for<Pod>(podsResource);
    this.slices = this.informers.for<EndpointSlice>(endpointSlicesResource);
    this.nodes = this.informers.for(nodesResource);
    enqueueServicesOnChange(this.services, this.pods, (svc) => this.enqueue(svc));
    // Our own writes arriving settle expectations; anyone else's changes are put right.
    const serviceKeyOf = (s: EndpointSlice) => {
      const name = s.metadata.labels?.[SERVICE_NAME_LABEL];
      return name && s.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME ? `${s.metadata.namespace}/${name}` : undefined;
    };
    this.slices.addEventHandler({
      onAdd: (s) => {
        const key = serviceKeyOf(s);
        if (!key) return;
        this.expectations.creationObserved(key);
        this.enqueue(key);
      },
      onUpdate: (_o, s) => {
        const key = serviceKeyOf(s);
        if (key) this.enqueue(key);
      },
      onDelete: (s) => {
        const key = serviceKeyOf(s);
        if (!key) return;
        this.expectations.deletionObserved(key, s.metadata.uid!);
        this.enqueue(key);
      },
    });
  }

  /** The slices this controller manages for the Service name `name` in `namespace`. */
  private managedSlices(namespace: string, name: string): EndpointSlice[] {
    const selector = labelSelectorToSelector({ matchLabels: { [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: CONTROLLER_NAME } });
    return this.slices.listBySelector(namespace, selector);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    if (!this.expectations.satisfied(key)) return; // the cache catching up re-enqueues the key
    const svc = this.services.get(key);
    const all = this.managedSlices(namespace!, name);
    const selector = svc && svc.spec?.type !== 'ExternalName' ? selectorOf(svc) : undefined;
    // The Service is gone, selects nothing, or is another Service of that name: its slices go.
    const stale = all.filter((s) => !svc || !selector || controllerRefOf(s)?.uid !== svc.metadata.uid);
    if (!svc || !selector) {
      this.expectations.expect(key, 0, stale.map((s) => s.metadata.uid!));
      return this.deleteSlices(key, stale);
    }
    const owned = all.filter((s) => !stale.includes(s));
    const desired = this.desiredGroups(svc, this.pods.listBySelector(namespace, labelSelectorToSelector({ matchLabels: selector })));
    const existing: ExistingSlice[] = owned.map((s) => ({ name: s.metadata.name!, addressType: s.addressType, ports: s.ports ?? [], endpoints: s.endpoints ?? [] }));
    const plan = planSlices(existing, desired, addressTypesOf(svc)[0], this.maxPerSlice);
    const byName = new Map(owned.map((s) => [s.metadata.name!, s]));
    const doomed = [...stale, ...plan.delete.map((n) => byName.get(n)!)];
    this.expectations.expect(key, plan.create.length, doomed.map((s) => s.metadata.uid!));

    await this.deleteSlices(key, doomed);
    for (const u of plan.update) await this.writeSlice(svc, byName.get(u.name)!, u.content);
    // Unchanged content may still carry stale labels or owner (e.g. the Service's labels changed).
    for (const n of plan.unchanged) {
      const slice = byName.get(n)!;
      if (!sameMeta(slice, svc)) await this.writeSlice(svc, slice, { addressType: slice.addressType, ports: slice.ports ?? [], endpoints: slice.endpoints ?? [] });
    }
    for (let i = 0; i < plan.create.length; i++) {
      try {
        await this.client.create(endpointSlicesResource, namespace, this.sliceObject(svc, plan.create[i]));
      } catch (err) {
        for (let j = i; j < plan.create.length; j++) this.expectations.creationObserved(key);
        throw err;
      }
    }
  }

  private desiredGroups(svc: Service, pods: Pod[]): EndpointGroup[] {
    const groups = new Map<string, EndpointGroup>();
    for (const addressType of addressTypesOf(svc)) {
      for (const pod of pods) {
        const phase = pod.status?.phase;
        if (phase === 'Succeeded' || phase === 'Failed') continue;
        const address = podAddress(pod, addressType);
        if (!address) continue;
        const ports: SlicePort[] = [];
        for (const sp of svc.spec?.ports ?? []) {
          const port = resolveTargetPort(sp, pod);
          if (port === undefined) continue; // a named port this pod lacks: Kubernetes leaves it out
          ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
        }
        const k = `${addressType}|${JSON.stringify(ports)}`;
        let group = groups.get(k);
        if (!group) groups.set(k, (group = { addressType, ports, endpoints: [] }));
        group.endpoints.push(this.endpointFor(svc, pod, address));
      }
    }
    return [...groups.values()];
  }

  private endpointFor(svc: Service, pod: Pod, address: string): SliceEndpoint {
    const serving = isPodReady(pod);
    const terminating = !!pod.metadata.deletionTimestamp;
    // A terminating pod is never ready, unless the Service publishes not-ready addresses.
    const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
    const spec = (pod.spec ?? {}) as PodSpecFields & { nodeName?: string };
    const e: SliceEndpoint = { addresses: [address], conditions: { ready, serving, terminating } };
    if (spec.hostname && spec.subdomain === svc.metadata.name) e.hostname = spec.hostname;
    if (spec.nodeName) {
      e.nodeName = spec.nodeName;
      const zone = this.nodes.getByName(undefined, spec.nodeName)?.metadata.labels?.[ZONE_LABEL];
      if (zone) e.zone = zone;
    }
    e.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! };
    return e;
  }

  private sliceObject(svc: Service, content: SliceContent): EndpointSlice {
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { generateName: `${svc.metadata.name!.slice(0, 57)}-`, namespace: svc.metadata.namespace, labels: labelsFor(svc), ownerReferences: [ownerRefTo(svc)] },
      addressType: content.addressType,
      endpoints: content.endpoints,
      ports: content.ports,
    };
  }

  /** A PUT carrying the cached resourceVersion: a stale cache gets a Conflict and a retry. */
  private async writeSlice(svc: Service, slice: EndpointSlice, content: SliceContent): Promise<void> {
    const next = structuredClone(slice);
    const fresh = this.sliceObject(svc, content);
    next.metadata.labels = fresh.metadata.labels;
    next.metadata.ownerReferences = fresh.metadata.ownerReferences;
    next.addressType = content.addressType;
    next.endpoints = content.endpoints;
    next.ports = content.ports;
    try {
      await this.client.update(endpointSlicesResource, slice.metadata.namespace, next);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  private async deleteSlices(key: string, slices: EndpointSlice[]): Promise<void> {
    for (const s of slices) {
      try {
        await this.client.delete(endpointSlicesResource, s.metadata.namespace, s.metadata.name!, { preconditions: { uid: s.metadata.uid } });
      } catch (err) {
        this.expectations.deletionObserved(key, s.metadata.uid!);
        if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err;
      }
    }
  }
}

/** The address types a Service's slices carry: its IP families (IPv4 when unset). */
function addressTypesOf(svc: Service): string[] {
  const families = svc.spec?.ipFamilies ?? [];
  return families.length > 0 ? families : ['IPv4'];
}

function podAddress(pod: Pod, addressType: string): string | undefined {
  const status = (pod.status ?? {}) as { podIP?: string; podIPs?: Array<{ ip: string }> };
  const ips = status.podIPs?.length ? status.podIPs.map((p) => p.ip) : status.podIP ? [status.podIP] : [];
  return ips.find((ip) => (addressType === 'IPv6' ? isIPv6(ip) : !isIPv6(ip)));
}

function labelsFor(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata.name!;
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

function ownerRefTo(svc: Service) {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

function sameMeta(slice: EndpointSlice, svc: Service): boolean {
  return JSON.stringify(slice.metadata.labels ?? {}) === JSON.stringify(labelsFor(svc)) && JSON.stringify(slice.metadata.ownerReferences ?? []) === JSON.stringify([ownerRefTo(svc)]);
}

