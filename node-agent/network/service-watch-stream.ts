// WatchServices messages as ServiceWatchEvents: the adapter between the gRPC
// stream (NodeServiceClient.watchServices) and runServiceSync.
import { ServiceEvent, ServiceEvent_Type } from '../../proto/generated/node';
import type { ServiceWatchEvent } from './service-state';

const TYPES: Partial<Record<ServiceEvent_Type, ServiceWatchEvent['type']>> = {
  [ServiceEvent_Type.ADDED]: 'ADDED',
  [ServiceEvent_Type.MODIFIED]: 'MODIFIED',
  [ServiceEvent_Type.DELETED]: 'DELETED',
  [ServiceEvent_Type.SYNC]: 'SYNC',
};

export async function* serviceWatchEvents(stream: AsyncIterable<ServiceEvent>): AsyncGenerator<ServiceWatchEvent> {
  for await (const msg of stream) {
    const type = TYPES[msg.type];
    if (!type) continue; // a type this agent does not know yet
    yield type === 'SYNC' ? { type } : { type, kind: msg.kind, object: JSON.parse(Buffer.from(msg.objectJson).toString()) };
  }
}
