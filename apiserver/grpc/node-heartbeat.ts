// Heartbeat: renew the node's Lease, and write the conditions the agent
// reports (Ready with its reason) through the Node's status subresource.
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import type { Registry } from '../registry/registry';
import type { HeartbeatRequest, HeartbeatResponse } from '../../proto/generated/node';
import { checkConditions, mergeConditions, NodeConditionJson } from './node-conditions';
import { renewNodeLease } from './node-lease';

export interface HeartbeatDeps {
  registry: Registry;
  leaseDurationSeconds: number;
  now(): Date;
}

export async function nodeHeartbeat(deps: HeartbeatDeps, nodeName: string, req: HeartbeatRequest): Promise<HeartbeatResponse> {
  checkConditions(nodeName, req.conditions);
  const nodes = deps.registry.storeFor('', 'v1', 'nodes');
  const now = deps.now();
  let node: KubeObject;
  try {
    node = req.conditions.length === 0
      ? await nodes.get(undefined, nodeName)
      : (await nodes.guaranteedUpdate(undefined, nodeName, undefined, (current) => {
          const status = (current.status ?? {}) as { conditions?: NodeConditionJson[] };
          return { ...current, status: { ...status, conditions: mergeConditions(status.conditions, req.conditions, now) } };
        }, {}, 'status')).object;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'NotFound') {
      throw new ApiError('NotFound', `nodes "${nodeName}" not found: the node must register again`, { name: nodeName, kind: 'nodes' });
    }
    throw err;
  }
  const renewTime = await renewNodeLease(deps.registry, node, deps.leaseDurationSeconds, now);
  return {
    renewTime,
    leaseDurationSeconds: deps.leaseDurationSeconds,
    podCidr: ((node.spec ?? {}) as { podCIDR?: string }).podCIDR ?? '',
  };
}
