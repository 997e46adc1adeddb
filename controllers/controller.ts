// The controller pattern: informer handlers only enqueue keys; N workers take
// keys from a work queue (never one key twice at once) and call an idempotent
// reconcile(key); a failure re-adds the key with exponential back-off.
import { isApiError } from '../api/errors';
import type { KubeObject } from '../api/types';
import { InformerFactory, keyOf } from '../client/informer';
import type { RestClient } from '../client/rest-client';
import { Clock, realClock, WorkQueue } from '../client/work-queue';
import { EventRecorder } from './event-recorder';

export interface ControllerContext {
  client: RestClient;
  informers: InformerFactory;
  clock?: Clock;
  log?: (message: string) => void;
  /** Retry back-off of the work queues (client-go: 5 ms up to 1000 s). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
}

export abstract class Controller {
  readonly queue: WorkQueue;
  protected readonly client: RestClient;
  protected readonly informers: InformerFactory;
  protected readonly clock: Clock;
  protected readonly log: (message: string) => void;
  protected readonly events: EventRecorder;
  private workers: Promise<void>[] = [];

  constructor(
    readonly name: string,
    ctx: ControllerContext,
  ) {
    this.client = ctx.client;
    this.informers = ctx.informers;
    this.clock = ctx.clock ?? realClock;
    this.log = ctx.log ?? (() => {});
    this.events = new EventRecorder(this.client, name, this.clock, this.log);
    this.queue = new WorkQueue({ clock: this.clock, baseDelayMs: ctx.retryBaseDelayMs, maxDelayMs: ctx.retryMaxDelayMs });
  }

  /** Brings the object of `key` to its desired state; safe to call any number of times. */
  abstract reconcile(key: string): Promise<void>;

  enqueue(obj: KubeObject | string): void {
    this.queue.add(typeof obj === 'string' ? obj : keyOf(obj));
  }

  enqueueAfter(obj: KubeObject | string, ms: number): void {
    this.queue.addAfter(typeof obj === 'string' ? obj : keyOf(obj), ms);
  }

  /** Starts `n` workers; call after the informers have synced. */
  run(n: number): void {
    for (let i = 0; i < n; i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    this.queue.shutdown();
    await Promise.all(this.workers);
    this.workers = [];
    await this.events.flush();
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcile(key);
        this.queue.forget(key);
      } catch (err) {
        // Conflicts mean our cache was behind: normal, retried quietly.
        if (!isApiError(err, 'Conflict')) this.log(`${this.name}: reconciling ${key} failed: ${(err as Error).message}`);
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}
