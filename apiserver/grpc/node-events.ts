// RecordEvent: a core/v1 Event from a node. The server stamps the source (the
// calling node) and fills in what Kubernetes clients usually do; an event
// whose name exists already is counted again (the agent's aggregation).
import { randomBytes } from 'node:crypto';
import { ApiError, errors } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import type { Registry } from '../registry/registry';
import { rfc3339 } from '../registry/store';
import type { RecordEventRequest, RecordEventResponse } from '../../proto/generated/node';
import { parseJsonObject } from './pod-status';

export const AGENT_COMPONENT = 'kapstan-agent';

interface InvolvedObject {
  kind?: string;
  name?: string;
  namespace?: string;
}

export async function recordNodeEvent(registry: Registry, nodeName: string, req: RecordEventRequest, now: Date): Promise<RecordEventResponse> {
  const event = parseJsonObject(req.eventJson, 'eventJson') as unknown as KubeObject & { involvedObject?: InvolvedObject; count?: number };
  const involved = event.involvedObject;
  if (!involved?.kind || !involved.name) {
    throw errors.invalid('Event', '', '', [{ reason: 'FieldValueRequired', field: 'involvedObject', message: 'Required value: kind and name of the object the event is about' }]);
  }
  const stamp = rfc3339(now);
  const namespace = involved.namespace || 'default';
  const metadata = { ...(event.metadata ?? {}), namespace };
  if (!metadata.name) metadata.name = `${involved.name}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`;
  const body: KubeObject = {
    type: 'Normal',
    firstTimestamp: stamp,
    lastTimestamp: stamp,
    count: 1,
    reportingComponent: AGENT_COMPONENT,
    ...event,
    apiVersion: 'v1',
    kind: 'Event',
    metadata,
    source: { component: AGENT_COMPONENT, host: nodeName },
    reportingInstance: nodeName,
  };
  const events = registry.storeFor('', 'v1', 'events');
  try {
    await events.create(namespace, body);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'AlreadyExists')) throw err;
    await events.guaranteedUpdate(namespace, metadata.name, undefined, (current) => ({
      ...current,
      message: body.message,
      lastTimestamp: body.lastTimestamp,
      count: (Number(current.count) || 1) + 1,
    }));
  }
  return { name: metadata.name, namespace };
}
