// WatchNodes: every Node, trimmed to what pod routing needs (name, pod
// subnets, addresses), for the agents' routes to other nodes' pods. Listed,
// SYNC, then changes; a change that leaves the trimmed Node as it was (a
// heartbeat, a condition, a label) is not sent. No resume, as WatchServices.
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { KubeObject } from '../../api/types';
import type { Registry } from '../registry/registry';
import type { Subscription } from '../storage/watch-cache';
import { NodeEvent, NodeEvent_Type, WatchNodesRequest } from '../../proto/generated/node';

const EVENT_TYPES = { ADDED: NodeEvent_Type.ADDED, MODIFIED: NodeEvent_Type.MODIFIED, DELETED: NodeEvent_Type.DELETED } as const;

/** The routing view of a Node. */
export function routingView(node: KubeObject): KubeObject {
  const spec = (node.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
  const status = (node.status ?? {}) as { addresses?: Array<{ type: string; address: string }> };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: node.metadata.name },
    spec: { podCIDR: spec.podCIDR, podCIDRs: spec.podCIDRs },
    status: { addresses: status.addresses ?? [] },
  };
}

/** Starts streaming; resolves with the subscription (closed by the caller when the call ends). */
export async function streamNodes(
  registry: Registry,
  call: ServerWritableStream<WatchNodesRequest, NodeEvent>,
  onError: (err: Error) => void,
): Promise<Subscription> {
  // What this stream last sent per node, so unchanged views are skipped.
  const sent = new Map<string, string>();
  const send = (type: NodeEvent_Type, node: KubeObject) => {
    const name = node.metadata.name ?? '';
    const json = JSON.stringify(routingView(node));
    if (type === NodeEvent_Type.DELETED) sent.delete(name);
    else if (sent.get(name) === json) return;
    else sent.set(name, json);
    call.write({ type, nodeJson: Buffer.from(json) });
  };
  const store = registry.storeFor('', 'v1', 'nodes');
  const list = await store.list(undefined);
  for (const node of list.items) send(NodeEvent_Type.ADDED, node);
  call.write({ type: NodeEvent_Type.SYNC, nodeJson: Buffer.alloc(0) });
  return store.watch(undefined, { resourceVersion: list.metadata.resourceVersion ?? '' }, {
    onEvent: (type, node) => send(EVENT_TYPES[type], node.object),
    onError,
  });
}
