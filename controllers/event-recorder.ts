// Events the controllers report about the objects they act on (what
// `kubectl describe` lists: "Scaled up replica set web-7d4b9c to 3"). Fire
// and forget: a lost Event never fails a reconcile.
import { findByKind } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { RestClient } from '../client/rest-client';
import type { Clock } from '../client/work-queue';
import { rfc3339 } from './deployment-status';

const eventsResource = findByKind('v1', 'Event')!;

export class EventRecorder {
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly client: RestClient,
    private readonly component: string,
    private readonly clock: Clock,
    private readonly log: (message: string) => void,
  ) {}

  /** Records a Normal or Warning event about `obj`. */
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const now = this.clock.now();
    const ns = obj.metadata.namespace ?? 'default';
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${obj.metadata.name}.${now.toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`, namespace: ns },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component: this.component },
      reportingComponent: this.component,
      firstTimestamp: rfc3339(now),
      lastTimestamp: rfc3339(now),
      count: 1,
    };
    const p = this.client
      .create(eventsResource, ns, event)
      .then(() => undefined)
      .catch((err) => this.log(`${this.component}: recording event ${reason} for ${ns}/${obj.metadata.name}: ${(err as Error).message}`))
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Waits for events still being written (on stop). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
