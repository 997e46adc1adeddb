// Events the controllers report about the objects they act on (what
// `kubectl describe` lists: "Scaled up replica set web-7d4b9c to 3"), through
// the shared correlating recorder. Fire and forget: a lost Event never fails
// a reconcile.
import type { KubeObject } from '../api/types';
import { EventRecorder as CorrelatingRecorder } from '../client/event-recorder';
import type { RestClient } from '../client/rest-client';
import type { Clock } from '../client/work-queue';

export class EventRecorder {
  private readonly recorder: CorrelatingRecorder;

  constructor(client: RestClient, component: string, clock: Clock, log: (message: string) => void) {
    this.recorder = new CorrelatingRecorder({ client, component, log, now: () => clock.now() });
  }

  /** Records a Normal or Warning event about `obj`. */
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    void this.recorder.record(obj, type, reason, message);
  }

  /** Waits for events still being written (on stop). */
  async flush(): Promise<void> {
    await this.recorder.flush();
  }
}
