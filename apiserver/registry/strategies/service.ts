// Services: a ClusterIP from the service CIDR (or none: headless, ExternalName)
// and NodePorts for type NodePort/LoadBalancer, held in etcd allocations so no
// two Services ever share one; both are freed when the Service is removed.
import { errors, StatusCause } from '../../../api/errors';
import type { KubeObject } from '../../../api/types';
import type { ResourceStrategy } from '../strategy';
import type { ClusterAllocators } from '../allocators/cluster-allocators';
import { AllocationError, type RangeAllocator } from '../allocators/range-allocator';
import type { AllocationOwner } from '../allocators/allocation-store';

interface ServicePort {
  name?: string;
  port?: number;
  nodePort?: number;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
}

const HEADLESS = 'None';

const specOf = (svc: KubeObject) => (svc.spec ?? {}) as ServiceSpec;
const wantsClusterIp = (spec: ServiceSpec) => spec.type !== 'ExternalName';
const wantsNodePorts = (spec: ServiceSpec) => spec.type === 'NodePort' || spec.type === 'LoadBalancer';

function ownerOf(svc: KubeObject): AllocationOwner {
  const m = svc.metadata;
  return { kind: 'Service', namespace: m.namespace, name: m.name ?? '', uid: m.uid ?? '' };
}

/** Checks that need no storage: allocated fields are immutable once set. */
export function validateService(svc: KubeObject, old?: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = specOf(svc);
  if (spec.clusterIP && spec.clusterIPs?.length && spec.clusterIPs[0] !== spec.clusterIP) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${JSON.stringify(spec.clusterIPs)}: must hold spec.clusterIP as its first element` });
  }
  const seen = new Set<number>();
  for (const [i, p] of (spec.ports ?? []).entries()) {
    if (p.nodePort === undefined) continue;
    if (!wantsNodePorts(spec)) {
      causes.push({ reason: 'FieldValueForbidden', field: `spec.ports[${i}].nodePort`, message: `Forbidden: may not be used when \`type\` is '${spec.type}'` });
    } else if (seen.has(p.nodePort)) {
      causes.push({ reason: 'FieldValueDuplicate', field: `spec.ports[${i}].nodePort`, message: `Duplicate value: ${p.nodePort}` });
    }
    seen.add(p.nodePort);
  }
  const before = old ? specOf(old).clusterIP : undefined;
  if (old && before && wantsClusterIp(specOf(old)) && wantsClusterIp(spec) && spec.clusterIP !== before) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIP', message: `Invalid value: ${JSON.stringify(spec.clusterIP ?? '')}: field is immutable` });
  }
  return causes;
}

/** The strategy without storage: validation and carrying allocated fields over updates. */
export const serviceStrategy: ResourceStrategy = {
  prepareForUpdate(obj, old) {
    // An update that leaves out the allocated fields keeps them (as `kubectl replace` expects).
    const spec = specOf(obj);
    const before = specOf(old);
    if (!spec.clusterIP && before.clusterIP && wantsClusterIp(spec)) {
      spec.clusterIP = before.clusterIP;
      spec.clusterIPs = before.clusterIPs;
    }
    if (wantsNodePorts(spec) && wantsNodePorts(before)) {
      for (const p of spec.ports ?? []) {
        if (p.nodePort !== undefined) continue;
        const match = (before.ports ?? []).find((q) => q.port === p.port && q.name === p.name);
        if (match?.nodePort !== undefined) p.nodePort = match.nodePort;
      }
    }
    obj.spec = spec;
  },
  validate: validateService,
};

export interface AllocatingServiceStrategy extends ResourceStrategy {
  /** Allocates spec.clusterIP(s) and nodePorts before the Service is stored; 422 if a requested one is taken. */
  beforeCreate(svc: KubeObject, opts?: { dryRun?: boolean }): Promise<void>;
  /** Frees what beforeCreate took when the create did not happen (validation, AlreadyExists). */
  abortCreate(svc: KubeObject): Promise<void>;
}

/** The full strategy: allocates on create, frees on final removal. */
export function allocatingServiceStrategy(allocators: Pick<ClusterAllocators, 'serviceIps' | 'nodePorts'>): AllocatingServiceStrategy {
  const release = async (svc: KubeObject) => {
    const spec = specOf(svc);
    const owner = ownerOf(svc);
    for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) {
      if (ip !== HEADLESS) await allocators.serviceIps.release(ip, owner);
    }
    for (const p of spec.ports ?? []) if (p.nodePort !== undefined) await allocators.nodePorts.release(String(p.nodePort), owner);
  };
  return {
    ...serviceStrategy,
    async beforeCreate(svc, opts = {}) {
      const spec = specOf(svc);
      const owner = ownerOf(svc);
      const name = svc.metadata.name ?? '';
      const taken: Array<[RangeAllocator, string]> = [];
      const claim = async (allocator: RangeAllocator, requested: string | undefined, field: string) => {
        try {
          // A dry run shows what would be allocated and refuses what would be refused, holding nothing.
          if (opts.dryRun) return await allocator.preview(requested);
          const value = requested ? await allocator.allocateSpecific(requested, owner) : await allocator.allocate(owner);
          taken.push([allocator, value]);
          return value;
        } catch (err) {
          if (!(err instanceof AllocationError)) throw err;
          if (err.reason === 'Full') throw errors.internal(`failed to allocate a ${field}: ${err.message}`);
          throw errors.invalid('Service', '', name, [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(requested)}: ${err.reason === 'Taken' ? 'provided IP/port is already allocated' : err.message}` }]);
        }
      };
      try {
        if (wantsClusterIp(spec)) {
          const requested = spec.clusterIP || spec.clusterIPs?.[0] || undefined;
          if (requested === HEADLESS) {
            spec.clusterIP = HEADLESS;
            spec.clusterIPs = [HEADLESS];
          } else {
            const ip = await claim(allocators.serviceIps, requested, 'spec.clusterIP');
            spec.clusterIP = ip;
            spec.clusterIPs = [ip];
          }
        } else {
          delete spec.clusterIP;
          delete spec.clusterIPs;
        }
        if (wantsNodePorts(spec)) {
          for (const [i, p] of (spec.ports ?? []).entries()) {
            const requested = p.nodePort !== undefined ? String(p.nodePort) : undefined;
            p.nodePort = Number(await claim(allocators.nodePorts, requested, `spec.ports[${i}].nodePort`));
          }
        }
        svc.spec = spec;
      } catch (err) {
        for (const [allocator, value] of taken) await allocator.release(value, owner);
        throw err;
      }
    },
    abortCreate: release,
    afterDelete: release,
  };
}
