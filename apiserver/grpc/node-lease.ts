// The node's heartbeat: a coordination.k8s.io/v1 Lease named after the node in
// kube-node-lease, owned by the Node so that it goes when the node goes.
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import type { Registry } from '../registry/registry';
import { nextMicroTime } from './micro-time';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const DEFAULT_LEASE_DURATION_SECONDS = 40;

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  renewTime?: string;
  acquireTime?: string;
}

/** Renews the node's Lease (creating it when missing); returns the new renewTime. */
export async function renewNodeLease(
  registry: Registry, node: KubeObject, leaseDurationSeconds: number, now: Date,
): Promise<string> {
  const leases = registry.storeFor('coordination.k8s.io', 'v1', 'leases');
  const nodeName = node.metadata.name!;
  try {
    const { object } = await leases.guaranteedUpdate(NODE_LEASE_NAMESPACE, nodeName, undefined, (lease) => {
      const spec = { ...((lease.spec ?? {}) as LeaseSpec) };
      spec.holderIdentity = nodeName;
      spec.leaseDurationSeconds = leaseDurationSeconds;
      spec.renewTime = nextMicroTime(now, spec.renewTime);
      return { ...lease, metadata: { ...lease.metadata, ownerReferences: [nodeOwner(node)] }, spec };
    });
    return (object.spec as LeaseSpec).renewTime!;
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'NotFound')) throw err;
  }
  const renewTime = nextMicroTime(now);
  const lease: KubeObject = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: nodeName, namespace: NODE_LEASE_NAMESPACE, ownerReferences: [nodeOwner(node)] },
    spec: { holderIdentity: nodeName, leaseDurationSeconds, acquireTime: renewTime, renewTime } satisfies LeaseSpec,
  };
  try {
    await leases.create(NODE_LEASE_NAMESPACE, lease);
    return renewTime;
  } catch (err) {
    // Two registrations raced: the other one created it; renew that one.
    if (err instanceof ApiError && err.code === 'AlreadyExists') return renewNodeLease(registry, node, leaseDurationSeconds, now);
    throw err;
  }
}

function nodeOwner(node: KubeObject) {
  return { apiVersion: 'v1', kind: 'Node', name: node.metadata.name!, uid: node.metadata.uid! };
}
