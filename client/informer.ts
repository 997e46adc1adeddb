// A shared informer: lists a resource, then watches it from the list's
// resourceVersion, keeping an in-memory cache keyed `namespace/name` (with a
// label index) and telling handlers what changed. A watch that expires (410
// Gone, an ERROR event) or breaks is followed by a relist, whose differences
// with the cache reach the handlers as adds, updates and deletes. A periodic
// resync replays every cached object as an update so nothing stays missed.
import { isApiError } from '../api/errors';
import { matches, Selector } from '../api/labels';
import type { ResourceInfo } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { RestClient } from './rest-client';
import type { WatchStream } from './watch';
import { watchEventError } from './watch';
import { Clock, realClock } from './work-queue';

export interface EventHandlers<T extends KubeObject = KubeObject> {
  onAdd?(obj: T): void;
  /** Also called by resyncs with old === new. */
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  client: RestClient;
  resource: ResourceInfo;
  /** Only this namespace; all namespaces when unset. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Replay the cache to handlers this often; 0 turns resyncs off. */
  resyncMs?: number;
  /** Wait before relisting after a failed list or a broken watch. */
  retryMs?: number;
  clock?: Clock;
  log?: (message: string) => void;
  /** Applied to every object before it is cached or handed to handlers (client-go's SetTransform). */
  transform?: (obj: KubeObject) => void;
}

/**
 * Drops metadata.managedFields, as kube-controller-manager does for its
 * informers: controllers never read them, and they are a large part of a
 * small object, kept for every object of every watched kind. A write of a
 * cached object leaves the server's entries as they are (an update without
 * managedFields keeps them).
 */
export function stripManagedFields(obj: KubeObject): void {
  // Assigned rather than deleted: a delete would turn the metadata object into a slow dictionary.
  if (obj.metadata?.managedFields !== undefined) obj.metadata.managedFields = undefined;
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(obj: Pick<KubeObject, 'metadata'>): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name}` : String(name);
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly resource: ResourceInfo;
  private readonly cache = new Map<string, T>();
  /** `label=value` → keys of objects carrying it. */
  private readonly labelIndex = new Map<string, Set<string>>();
  /** namespace → keys of its objects. */
  private readonly namespaceIndex = new Map<string, Set<string>>();
  private readonly handlers: EventHandlers<T>[] = [];
  private readonly clock: Clock;
  private readonly log: (message: string) => void;
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private stopped = false;
  private running: Promise<void> | undefined;
  private stream: WatchStream<T> | undefined;
  private resyncTimer: unknown;
  private sleepTimer: { handle: unknown; wake: () => void } | undefined;

  constructor(private readonly opts: InformerOptions) {
    this.resource = opts.resource;
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? (() => {});
  }

  addEventHandler(h: EventHandlers<T>): void {
    this.handlers.push(h);
    // Late handlers hear about what is already cached, as in client-go.
    if (this.synced) for (const obj of this.cache.values()) this.call(h, 'onAdd', obj);
  }

  /** Starts listing and watching; returns at once. */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = this.run();
    this.scheduleResync();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first complete list has reached the cache (or on stop). */
  waitForSync(): Promise<void> {
    if (this.synced || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  getByName(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Cached objects, optionally only one namespace's. Never mutate them: clone first. */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.cache.values()];
    return [...(this.namespaceIndex.get(namespace) ?? [])].map((k) => this.cache.get(k)!);
  }

  /** Cached objects in the namespace that the selector matches, using the label index. */
  listBySelector(namespace: string | undefined, selector: Selector | null): T[] {
    if (selector === null) return [];
    const equals = selector.filter((r) => r.operator === 'Equals' || (r.operator === 'In' && r.values.length === 1));
    let candidates: Iterable<T>;
    if (equals.length > 0) {
      let smallest: Set<string> | undefined;
      for (const r of equals) {
        const keys = this.labelIndex.get(`${r.key}=${r.values[0]}`);
        if (!keys) return [];
        if (!smallest || keys.size < smallest.size) smallest = keys;
      }
      candidates = [...smallest!].map((k) => this.cache.get(k)!).filter(Boolean);
    } else {
      candidates = this.cache.values();
    }
    const out: T[] = [];
    for (const obj of candidates) {
      if (namespace !== undefined && obj.metadata.namespace !== namespace) continue;
      if (matches(selector, obj.metadata.labels)) out.push(obj);
    }
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.resyncTimer);
    this.stream?.close();
    if (this.sleepTimer) {
      this.clock.clearTimeout(this.sleepTimer.handle);
      this.sleepTimer.wake();
    }
    for (const w of this.syncWaiters.splice(0)) w();
    await this.running;
  }

  // ---- list and watch ---------------------------------------------------------

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const rv = await this.relist();
        await this.watchFrom(rv);
      } catch (err) {
        if (this.stopped) break;
        this.log(`informer ${this.resource.plural}: ${(err as Error).message}; relisting`);
        await this.sleep(this.opts.retryMs ?? 1000);
      }
    }
  }

  private async relist(): Promise<string> {
    const { client, resource, namespace, labelSelector, fieldSelector } = this.opts;
    const list = await client.listAll<T>(resource, namespace, { labelSelector, fieldSelector });
    if (this.stopped) return '';
    if (this.opts.transform) for (const item of list.items) this.opts.transform(item);
    this.replace(list.items);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    return list.metadata.resourceVersion ?? '';
  }

  /** Watches until the stream ends; returns to relist only when the watch expired or failed. */
  private async watchFrom(resourceVersion: string): Promise<void> {
    const { client, resource, namespace, labelSelector, fieldSelector } = this.opts;
    let rv = resourceVersion;
    while (!this.stopped) {
      // Servers end watches after a while; client-go asks for 5–10 minutes.
      const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
      let stream: WatchStream<T>;
      try {
        stream = await client.watch<T>(resource, namespace, { labelSelector, fieldSelector, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds });
      } catch (err) {
        if (isApiError(err, 'Gone') || isApiError(err, 'Expired')) return; // compacted past rv: relist
        throw err;
      }
      this.stream = stream;
      if (this.stopped) stream.close();
      for await (const event of stream) {
        if (event.type === 'ERROR') {
          const err = watchEventError(event);
          stream.close();
          if (isApiError(err, 'Gone') || isApiError(err, 'Expired')) {
            this.log(`informer ${resource.plural}: watch expired (${err.message}); relisting`);
            return;
          }
          throw err;
        }
        const obj = event.object;
        if (obj?.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
        if (obj?.metadata && this.opts.transform) this.opts.transform(obj);
        if (event.type === 'ADDED' || event.type === 'MODIFIED') this.upsert(obj);
        else if (event.type === 'DELETED') this.remove(obj);
      }
      this.stream = undefined;
    }
  }

  // ---- the cache ----------------------------------------------------------------

  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(keyOf(obj));
      this.upsert(obj);
    }
    for (const [key, old] of [...this.cache]) if (!seen.has(key)) this.remove(old);
  }

  private upsert(obj: T): void {
    const key = keyOf(obj);
    const old = this.cache.get(key);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion && old.metadata.uid === obj.metadata.uid) return;
    // Same key, same namespace: the indexes change only with the labels.
    const reindex = !old || !sameFields(old.metadata.labels, obj.metadata.labels);
    if (old && reindex) this.unindex(key, old, false);
    this.cache.set(key, obj);
    if (reindex) this.index(key, obj, !old);
    if (old && old.metadata.uid !== obj.metadata.uid) {
      // Deleted and recreated while we were not watching.
      for (const h of this.handlers) this.call(h, 'onDelete', old);
      for (const h of this.handlers) this.call(h, 'onAdd', obj);
    } else if (old) {
      for (const h of this.handlers) this.call(h, 'onUpdate', old, obj);
    } else {
      for (const h of this.handlers) this.call(h, 'onAdd', obj);
    }
  }

  private remove(obj: T): void {
    const key = keyOf(obj);
    const old = this.cache.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.cache.delete(key);
    for (const h of this.handlers) this.call(h, 'onDelete', obj);
  }

  /** Adds obj to the label index, and to the namespace index unless it is there already. */
  private index(key: string, obj: T, withNamespace = true): void {
    if (withNamespace) {
      const ns = obj.metadata.namespace ?? '';
      let inNs = this.namespaceIndex.get(ns);
      if (!inNs) this.namespaceIndex.set(ns, (inNs = new Set()));
      inNs.add(key);
    }
    const labels = obj.metadata.labels;
    for (const k in labels) {
      const label = `${k}=${labels[k]}`;
      let keys = this.labelIndex.get(label);
      if (!keys) this.labelIndex.set(label, (keys = new Set()));
      keys.add(key);
    }
  }

  /** Drops obj from the label index, and from the namespace index unless it stays there. */
  private unindex(key: string, obj: T, withNamespace = true): void {
    if (withNamespace) {
      const inNs = this.namespaceIndex.get(obj.metadata.namespace ?? '');
      inNs?.delete(key);
      if (inNs?.size === 0) this.namespaceIndex.delete(obj.metadata.namespace ?? '');
    }
    const labels = obj.metadata.labels;
    for (const k in labels) {
      const label = `${k}=${labels[k]}`;
      const keys = this.labelIndex.get(label);
      keys?.delete(key);
      if (keys?.size === 0) this.labelIndex.delete(label);
    }
  }

  private call(h: EventHandlers<T>, what: 'onAdd' | 'onDelete', obj: T): void;
  private call(h: EventHandlers<T>, what: 'onUpdate', oldObj: T, newObj: T): void;
  private call(h: EventHandlers<T>, what: keyof EventHandlers<T>, a: T, b?: T): void {
    try {
      if (what === 'onUpdate') h.onUpdate?.(a, b!);
      else h[what]?.(a);
    } catch (err) {
      this.log(`informer ${this.resource.plural}: handler ${what} failed: ${(err as Error).stack ?? err}`);
    }
  }

  private scheduleResync(): void {
    const every = this.opts.resyncMs ?? 0;
    if (every <= 0 || this.stopped) return;
    this.resyncTimer = this.clock.setTimeout(() => {
      if (this.synced) for (const obj of this.cache.values()) for (const h of this.handlers) this.call(h, 'onUpdate', obj, obj);
      this.scheduleResync();
    }, every);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleepTimer = undefined;
        resolve();
      };
      this.sleepTimer = { handle: this.clock.setTimeout(wake, ms), wake };
    });
  }
}

/**
 * Whether two flat records (label maps, owner references) hold the same
 * fields with the same (===) values, in any order; missing and empty are the same.
 */
export function sameFields(a: object | undefined, b: object | undefined): boolean {
  if (a === b) return true;
  const x = a as Record<string, unknown> | undefined;
  const y = b as Record<string, unknown> | undefined;
  let n = 0;
  for (const k in x) {
    const v = x[k];
    if (!y || y[k] !== v || (v === undefined && !(k in y))) return false;
    n++;
  }
  for (const _ in y) if (--n < 0) return false;
  return n === 0;
}

/** One informer per resource, shared by every controller that needs it. */
export class InformerFactory {
  private readonly informers = new Map<string, Informer>();

  constructor(private readonly defaults: Omit<InformerOptions, 'resource'>) {}

  for<T extends KubeObject = KubeObject>(resource: ResourceInfo): Informer<T> {
    const id = `${resource.group}/${resource.version}/${resource.plural}`;
    let inf = this.informers.get(id);
    if (!inf) this.informers.set(id, (inf = new Informer({ ...this.defaults, resource })));
    return inf as unknown as Informer<T>;
  }

  start(): void {
    for (const inf of this.informers.values()) inf.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
