// WatchServices: every Service and Endpoints, for the agents' Service rules.
// Both are listed, then SYNC, then each resource's changes follow from its
// list's resourceVersion. No resume: an agent whose stream breaks lists again.
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { KubeObject } from '../../api/types';
import type { Registry } from '../registry/registry';
import type { Subscription } from '../storage/watch-cache';
import { ServiceEvent, ServiceEvent_Type, WatchServicesRequest } from '../../proto/generated/node';

const EVENT_TYPES = { ADDED: ServiceEvent_Type.ADDED, MODIFIED: ServiceEvent_Type.MODIFIED, DELETED: ServiceEvent_Type.DELETED } as const;
const KINDS = [
  { kind: 'Service', plural: 'services' },
  { kind: 'Endpoints', plural: 'endpoints' },
] as const;

/** Starts streaming; resolves with the subscription (closed by the caller when the call ends). */
export async function streamServices(
  registry: Registry,
  call: ServerWritableStream<WatchServicesRequest, ServiceEvent>,
  onError: (err: Error) => void,
): Promise<Subscription> {
  const send = (type: ServiceEvent_Type, kind: string, obj: KubeObject) =>
    call.write({ type, kind, objectJson: Buffer.from(JSON.stringify(obj)) });
  const lists = [];
  for (const { kind, plural } of KINDS) {
    const store = registry.storeFor('', 'v1', plural);
    const list = await store.list(undefined);
    for (const obj of list.items) send(ServiceEvent_Type.ADDED, kind, obj);
    lists.push({ kind, store, resourceVersion: list.metadata.resourceVersion ?? '' });
  }
  call.write({ type: ServiceEvent_Type.SYNC, kind: '', objectJson: Buffer.alloc(0) });
  const subscriptions: Subscription[] = [];
  try {
    for (const { kind, store, resourceVersion } of lists) {
      subscriptions.push(await store.watch(undefined, { resourceVersion }, {
        onEvent: (type, obj) => send(EVENT_TYPES[type], kind, obj.object),
        onError,
      }));
    }
  } catch (err) {
    for (const s of subscriptions) s.close();
    throw err;
  }
  return { close: () => subscriptions.forEach((s) => s.close()) };
}
