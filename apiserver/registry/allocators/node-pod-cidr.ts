// A node's pod subnet: allocated once when it first registers, kept on
// re-registration, and reused for another node only after this Node is gone.
import { ApiError, errors } from '../../../api/errors';
import type { KubeObject } from '../../../api/types';
import type { Registry } from '../registry';
import type { AllocationOwner } from './allocation-store';
import { AllocationError, type RangeAllocator } from './range-allocator';

interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
}

/** Returns the Node with spec.podCIDR(s) set, allocating a subnet if it has none. */
export async function ensureNodePodCidr(registry: Registry, node: KubeObject, subnets: RangeAllocator): Promise<KubeObject> {
  if ((node.spec as NodeSpec | undefined)?.podCIDR) return node;
  const nodes = registry.storeFor('', 'v1', 'nodes');
  const name = node.metadata.name ?? '';
  const owner: AllocationOwner = { kind: 'Node', name, uid: node.metadata.uid ?? '' };
  const nodeStillExists = async (o: AllocationOwner) => {
    try {
      return (await nodes.get(undefined, o.name)).metadata.uid === o.uid;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NotFound') return false;
      throw err;
    }
  };
  let cidr: string;
  try {
    cidr = await subnets.allocate(owner, nodeStillExists);
  } catch (err) {
    // Every subnet is held by a live node: the node cannot run pods with IPs until one is freed.
    if (err instanceof AllocationError) throw errors.unavailable(`cannot give node ${name} a pod subnet: ${err.message}`);
    throw err;
  }
  try {
    const res = await nodes.guaranteedUpdate(undefined, name, undefined, (current) => {
      if (current.metadata.uid !== owner.uid) throw new ApiError('Conflict', `node ${name} was replaced while its pod subnet was allocated`);
      const spec = (current.spec ?? {}) as NodeSpec;
      if (spec.podCIDR) return current; // a concurrent registration won
      return { ...current, spec: { ...spec, podCIDR: cidr, podCIDRs: [cidr] } };
    }, {}, 'whole');
    if ((res.object.spec as NodeSpec).podCIDR !== cidr) await subnets.release(cidr, owner);
    return res.object;
  } catch (err) {
    await subnets.release(cidr, owner);
    throw err;
  }
}

/** Frees a removed Node's subnet (the Node strategy's afterDelete). */
export async function releaseNodePodCidr(node: KubeObject, subnets: RangeAllocator): Promise<void> {
  const spec = (node.spec ?? {}) as NodeSpec;
  for (const cidr of spec.podCIDRs ?? (spec.podCIDR ? [spec.podCIDR] : [])) await subnets.release(cidr, { uid: node.metadata.uid ?? '' });
}
