// core/v1 Events about pods, deduplicated as client-go's event correlator
// does: the same reason and message for the same pod increments `count` and
// `lastTimestamp` of one Event instead of creating another.
import { ApiError } from '../api/errors';
import { findByKind } from '../api/resources';
import type { RestClient } from '../client';
import type { Pod } from './api-types';
import { podUid } from './api-types';

const EVENTS = findByKind('v1', 'Event')!;
const MAX_REMEMBERED = 4096;

interface Recorded {
  namespace: string;
  name: string;
  count: number;
}

export class EventRecorder {
  private readonly recorded = new Map<string, Recorded>();
  /** Writes for one key run one after another, so counts never go backwards. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly client: RestClient,
    private readonly component: string,
    private readonly log: (msg: string) => void,
  ) {}

  /** Records a Warning event; resolves once written (failures are logged, not thrown). */
  warning(pod: Pod, reason: string, message: string): Promise<void> {
    const key = `${podUid(pod)}\u0000${reason}\u0000${message}`;
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.write(key, pod, 'Warning', reason, message)).catch((err: Error) => {
      this.log(`event ${reason} for pod ${pod.metadata.namespace}/${pod.metadata.name}: ${err.message}`);
    });
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

  private async write(key: string, pod: Pod, type: string, reason: string, message: string): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const namespace = pod.metadata.namespace ?? 'default';
    const seen = this.recorded.get(key);
    if (seen) {
      try {
        await this.client.patch(EVENTS, seen.namespace, seen.name, { count: seen.count + 1, lastTimestamp: now }, 'application/merge-patch+json');
        seen.count++;
        return;
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'NotFound')) throw err;
        this.recorded.delete(key); // expired or deleted: start a new one
      }
    }
    const name = `${pod.metadata.name}.${(Date.now() * 1_000_000 + Math.floor(Math.random() * 1_000_000)).toString(16)}`;
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
        resourceVersion: pod.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.component,
    };
    await this.client.create(EVENTS, namespace, event);
    this.recorded.set(key, { namespace, name, count: 1 });
    if (this.recorded.size > MAX_REMEMBERED) this.recorded.delete(this.recorded.keys().next().value as string);
  }
}
