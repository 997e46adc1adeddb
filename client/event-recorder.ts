// core/v1 Events about objects, deduplicated as client-go's event correlator
// does: the same type, reason and message for the same object increments
// `count` and `lastTimestamp` of one Event instead of creating another, so a
// controller that retries a failing step does not fill etcd with copies.
// Writes never throw: a lost Event must not fail the work it reports on.
import { ApiError } from '../api/errors';
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { RestClient } from './rest-client';

const EVENTS = findByKind('v1', 'Event')!;
/** How many distinct events are remembered for aggregation (client-go keeps 4096). */
const MAX_REMEMBERED = 4096;

export type EventType = 'Normal' | 'Warning';

interface Recorded {
  namespace: string;
  name: string;
  count: number;
}

export interface EventRecorderOptions {
  client: RestClient;
  component: string;
  log: (msg: string) => void;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

export class EventRecorder {
  private readonly recorded = new Map<string, Recorded>();
  /** Writes for one key run one after another, so counts never go backwards. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly opts: EventRecorderOptions) {}

  /** Records an event about `obj`; resolves once written (failures are logged). */
  record(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const key = [obj.metadata.uid ?? `${obj.kind}/${obj.metadata.namespace}/${obj.metadata.name}`, type, reason, message].join('\u0000');
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.write(key, obj, type, reason, message))
      .catch((err: Error) => this.opts.log(`${this.opts.component}: event ${reason} for ${obj.metadata.namespace ?? ''}/${obj.metadata.name}: ${err.message}`));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }

  /** Waits for every write under way. */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  private async write(key: string, obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const nowMs = (this.opts.now ?? Date.now)();
    const now = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const namespace = obj.metadata.namespace ?? 'default';
    const seen = this.recorded.get(key);
    if (seen) {
      try {
        await this.opts.client.patch(EVENTS, seen.namespace, seen.name, { count: seen.count + 1, lastTimestamp: now }, 'application/merge-patch+json');
        seen.count++;
        return;
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'NotFound')) throw err;
        this.recorded.delete(key); // expired (event TTL) or deleted: start a new one
      }
    }
    const name = `${obj.metadata.name}.${(nowMs * 1_000_000 + Math.floor(Math.random() * 1_000_000)).toString(16)}`;
    const { component } = this.opts;
    await this.opts.client.create(EVENTS, namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component },
      reportingComponent: component,
      reportingInstance: component,
    });
    this.recorded.set(key, { namespace, name, count: 1 });
    if (this.recorded.size > MAX_REMEMBERED) this.recorded.delete(this.recorded.keys().next().value as string);
  }
}
