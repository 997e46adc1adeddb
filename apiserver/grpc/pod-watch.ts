// WatchPods: the pods bound to one node. A fresh watch lists them, sends SYNC
// with the list's resourceVersion, then streams changes; a resumed watch
// replays what happened after the given resourceVersion. Pods moving onto or
// off the node (binding, deletion) arrive as ADDED or DELETED.
import type { ServerWritableStream } from '@grpc/grpc-js';
import { errors } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import type { Registry } from '../registry/registry';
import type { Subscription } from '../storage/watch-cache';
import { PodEvent, PodEvent_Type, WatchPodsRequest } from '../../proto/generated/node';

const EVENT_TYPES = { ADDED: PodEvent_Type.ADDED, MODIFIED: PodEvent_Type.MODIFIED, DELETED: PodEvent_Type.DELETED } as const;

export function boundTo(nodeName: string): (pod: KubeObject) => boolean {
  return (pod) => (pod.spec as { nodeName?: string } | undefined)?.nodeName === nodeName;
}

/**
 * Starts streaming; resolves with the subscription once the stream is live
 * (the caller closes it when the call ends), rejects with an ApiError.
 */
export async function streamNodePods(
  registry: Registry,
  nodeName: string,
  req: WatchPodsRequest,
  call: ServerWritableStream<WatchPodsRequest, PodEvent>,
  onError: (err: Error) => void,
): Promise<Subscription> {
  const pods = registry.storeFor('', 'v1', 'pods');
  const filter = boundTo(nodeName);
  const send = (type: PodEvent_Type, pod: KubeObject) =>
    call.write({ type, podJson: Buffer.from(JSON.stringify(pod)), resourceVersion: pod.metadata.resourceVersion ?? '' });
  let after = req.resourceVersion;
  if (!after) {
    const list = await pods.list(undefined, { filter });
    for (const pod of list.items) send(PodEvent_Type.ADDED, pod);
    after = list.metadata.resourceVersion ?? '';
    call.write({ type: PodEvent_Type.SYNC, podJson: Buffer.alloc(0), resourceVersion: after });
  } else if (!/^[1-9]\d*$/.test(after)) {
    throw errors.badRequest(`invalid resourceVersion "${after}": expected the resourceVersion of an earlier event`);
  }
  return pods.watch(undefined, { filter, resourceVersion: after }, {
    onEvent: (type, pod) => send(EVENT_TYPES[type], pod.object),
    onError,
  });
}
