// Keeps a handler in step with one resource through the API: list, then watch
// from the list's resourceVersion; on a 410 Gone (or any watch failure) list
// again and report what changed meanwhile, deletions included. The scheduler's
// own small informer (client/informer.ts did not exist when this was written).
import type { RestClient, WatchStream } from '../client';
import type { ResourceInfo } from '../api/resources';
import type { KubeObject } from '../api/types';
import { ApiError } from '../api/errors';
import { watchEventError } from '../client/watch';

export interface ReflectorHandler<T extends KubeObject> {
  added(obj: T): void;
  modified(old: T, obj: T): void;
  deleted(obj: T): void;
}

export interface ReflectorOptions {
  log: (msg: string) => void;
  /** Pause before re-listing after a failure; doubles to 30 s. */
  initialRetryMs?: number;
}

const MAX_RETRY_MS = 30_000;

export class Reflector<T extends KubeObject> {
  private readonly known = new Map<string, T>();
  private stream: WatchStream<T> | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wakeRetry: (() => void) | undefined;
  private resolveSynced!: () => void;
  /** Resolves once the first list has been delivered. */
  readonly synced = new Promise<void>((resolve) => (this.resolveSynced = resolve));

  constructor(
    private readonly client: RestClient,
    private readonly resource: ResourceInfo,
    private readonly handler: ReflectorHandler<T>,
    private readonly opts: ReflectorOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stream?.close();
    this.wakeRetry?.();
    this.resolveSynced();
    await this.loop;
  }

  private async run(): Promise<void> {
    let retryMs = this.opts.initialRetryMs ?? 500;
    while (!this.stopped) {
      try {
        let rv = await this.relist();
        retryMs = this.opts.initialRetryMs ?? 500;
        // Watch until the server ends the stream; resume from the last version seen.
        while (!this.stopped) {
          const next = await this.watchFrom(rv);
          if (next === undefined) break; // expired: relist
          rv = next;
        }
      } catch (err) {
        if (this.stopped) break;
        this.opts.log(`${this.resource.plural}: list/watch failed, retrying in ${retryMs} ms: ${(err as Error).message}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, retryMs);
          this.wakeRetry = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wakeRetry = undefined;
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      }
    }
  }

  /** Lists everything and reports the difference from what was known. */
  private async relist(): Promise<string> {
    const list = await this.client.listAll<T>(this.resource, undefined);
    if (this.stopped) return list.metadata.resourceVersion ?? '';
    applyRelist(this.known, list.items, this.handler);
    this.resolveSynced();
    return list.metadata.resourceVersion ?? '';
  }

  /** Returns the resourceVersion to resume from, or undefined when a relist is needed. */
  private async watchFrom(rv: string): Promise<string | undefined> {
    let stream: WatchStream<T>;
    try {
      stream = await this.client.watch<T>(this.resource, undefined, { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 300 });
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'Gone' || err.code === 'Expired')) return undefined;
      throw err;
    }
    this.stream = stream;
    if (this.stopped) stream.close();
    try {
      for await (const event of stream) {
        if (event.type === 'ERROR') {
          const e = watchEventError(event as never);
          if (e.code !== 'Gone' && e.code !== 'Expired') this.opts.log(`${this.resource.plural}: watch error, relisting: ${e.message}`);
          return undefined;
        }
        const obj = event.object;
        rv = obj.metadata?.resourceVersion ?? rv;
        if (event.type === 'BOOKMARK') continue;
        const key = keyOf(obj);
        const old = this.known.get(key);
        if (event.type === 'DELETED') {
          this.known.delete(key);
          this.handler.deleted(obj);
        } else {
          this.known.set(key, obj);
          if (old) this.handler.modified(old, obj);
          else this.handler.added(obj);
        }
      }
    } finally {
      this.stream = undefined;
    }
    return rv;
  }
}

/**
 * Brings `known` to `items` and tells the handler what changed: new objects
 * are added, changed resourceVersions modified, and objects missing from the
 * list deleted (they went away while the watch was down).
 */
export function applyRelist<T extends KubeObject>(known: Map<string, T>, items: readonly T[], handler: ReflectorHandler<T>): void {
  const seen = new Set<string>();
  for (const obj of items) {
    const key = keyOf(obj);
    seen.add(key);
    const old = known.get(key);
    known.set(key, obj);
    if (!old) handler.added(obj);
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) handler.modified(old, obj);
  }
  for (const [key, old] of known) {
    if (!seen.has(key)) {
      known.delete(key);
      handler.deleted(old);
    }
  }
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}
