// The generic REST store: Kubernetes' object semantics (uid, generation,
// resourceVersion, optimistic concurrency, status subresource, finalizers,
// graceful deletion, paging) over the kine-sized Backend. Kind-specific
// behaviour comes from a ResourceStrategy.
import { randomUUID, randomInt } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { errors, ApiError, StatusCause } from '../../api/errors';
import { groupVersion, ResourceInfo } from '../../api/resources';
import { clone, DeleteOptions, KubeList, KubeObject } from '../../api/types';
import type { Backend, KeyValue } from '../storage/backend';
import { WatchCache, CacheEvent, Subscription, lazyStored } from '../storage/watch-cache';
import { decodeObject, encodeObject, MAX_OBJECT_BYTES, storedJson } from './codec';
import { collectionPrefix, objectKey, resourcePrefix } from './keys';
import type { Admission, ResourceStrategy, StrategyContext } from './strategy';

/**
 * What an update may change: the main resource (not status), the status
 * subresource (only status), or the whole object (internal subresources).
 */
export type UpdateScope = 'status' | 'whole';

export type ObjectFilter = (obj: KubeObject) => boolean;
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /**
   * metadata.managedFields for the object about to be stored (current is
   * undefined on create); undefined leaves them as they are. Set by the HTTP
   * layer for writes with a field manager (api/managed-fields).
   */
  managedFields?: (current: KubeObject | undefined, next: KubeObject) => unknown[] | undefined;
  /**
   * The server itself made this change from a valid object (pods/binding sets
   * spec.nodeName and a condition), so it is not validated again: Kubernetes'
   * binding also writes to storage without the pod's validation.
   */
  validated?: boolean;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  /** The object's JSON from the bytes just stored (absent for dry runs and deletions). */
  json?: () => Buffer;
}

export interface ListOptions {
  filter?: ObjectFilter;
  limit?: number;
  continue?: string;
}

export interface WatchOptions {
  filter?: ObjectFilter;
  /** '' or '0': start with ADDED events for what exists now; else resume after it. */
  resourceVersion?: string;
}

/**
 * An object as served to clients (a watch event's, a read's): decoded only when
 * read, its JSON built once from the stored bytes and shared by every watcher.
 */
export interface ServedObject {
  readonly object: KubeObject;
  /** The object's resourceVersion, known without decoding it. */
  readonly revision: number;
  json(): Buffer;
}

export interface WatchSink {
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', source: ServedObject): void;
  onError(err: ApiError): void;
}

/** Whether a namespace exists and may take new objects. */
export interface NamespaceLookup {
  phase(name: string): Promise<'Active' | 'Terminating' | undefined>;
}

export interface StoreDeps {
  backend: Backend;
  admission: Admission;
  namespaces?: NamespaceLookup;
  clock?: () => Date;
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_CONFLICT_RETRIES = 8;

export class ResourceStore {
  readonly cache: WatchCache<KubeObject>;
  private readonly backend: Backend;
  private readonly admission: Admission;
  private readonly ctx: StrategyContext;
  private readonly apiVersion: string;

  constructor(
    readonly info: ResourceInfo,
    private readonly strategy: ResourceStrategy,
    private readonly deps: StoreDeps,
  ) {
    this.backend = deps.backend;
    this.admission = deps.admission;
    const clock = deps.clock ?? (() => new Date());
    this.ctx = { now: clock };
    this.apiVersion = groupVersion(info);
    this.cache = new WatchCache(deps.backend, resourcePrefix(info), STORED_CODEC);
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  stop(): void {
    this.cache.stop();
  }

  // ---- reads ---------------------------------------------------------------

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    return (await this.read(namespace, name)).object;
  }

  /** A get whose answer is decoded only if read: a client's GET is sent as stored. */
  async read(namespace: string | undefined, name: string): Promise<ServedObject> {
    const kv = await this.backend.get(this.key(namespace, name));
    if (!kv) throw this.notFound(name);
    return lazyStored(kv.value, kv.modRevision, STORED_CODEC);
  }

  async list(namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList> {
    const prefix = collectionPrefix(this.info, namespace);
    let revision = 0;
    let startKey: string | undefined;
    if (opts.continue) ({ revision, startKey } = decodeContinue(opts.continue, prefix));
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: KubeObject[] = [];
    let more = false;
    let nextKey: string | undefined;
    // Read pages until `limit` objects pass the filter, all at one revision.
    for (;;) {
      let res;
      try {
        res = await this.backend.list(prefix, { startKey, revision, limit: limit ? limit + 1 : 0 });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'Gone' && opts.continue) {
          throw errors.expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
        }
        throw err;
      }
      revision = revision || res.revision;
      const kvs = res.kvs;
      let i = 0;
      for (; i < kvs.length; i++) {
        if (limit && items.length === limit) break;
        const obj = decodeObject(kvs[i].value, kvs[i].modRevision);
        if (!opts.filter || opts.filter(obj)) items.push(obj);
      }
      if (limit && items.length === limit && (i < kvs.length || res.more)) {
        more = true;
        nextKey = i < kvs.length ? kvs[i].key : kvs[kvs.length - 1].key + '\0';
        break;
      }
      if (!res.more || kvs.length === 0) break;
      startKey = kvs[kvs.length - 1].key + '\0';
    }
    const metadata: KubeList['metadata'] = { resourceVersion: String(revision) };
    if (more && nextKey) metadata.continue = encodeContinue(revision, nextKey.slice(prefix.length));
    return { apiVersion: this.apiVersion, kind: `${this.info.kind}List`, metadata, items };
  }

  // ---- create --------------------------------------------------------------

  async create(namespace: string | undefined, body: KubeObject, opts: WriteOptions = {}): Promise<WriteResult> {
    const obj = this.checkBody(body, namespace);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix();
    const name = meta.name ?? '';
    const now = this.ctx.now();
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(now);
    meta.generation = 1;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    this.admission.default(obj);
    this.strategy.prepareForCreate?.(obj, this.ctx);
    const warnings = this.checkFields(obj, opts.fieldValidation);
    this.validate(obj);
    if (opts.managedFields) setManagedFields(obj, opts.managedFields(undefined, obj));
    if (this.info.namespaced) await this.checkNamespace(namespace!, name);
    if (opts.dryRun) {
      // As the real create would: a taken name is AlreadyExists, allocations are checked, nothing is written.
      if (await this.backend.get(this.key(namespace, name))) throw errors.alreadyExists(this.info.plural, this.info.group, name);
      await this.strategy.beforeCreate?.(obj, { dryRun: true });
      return { object: obj, warnings };
    }
    await this.strategy.beforeCreate?.(obj);
    let value: Buffer;
    let res;
    try {
      value = this.encode(obj);
      res = await this.backend.create(this.key(namespace, name), value);
    } catch (err) {
      await this.strategy.abortCreate?.(obj);
      throw err;
    }
    if (!res.ok) {
      // A retried create whose first attempt landed: the stored object is ours.
      if (res.current && sameUid(res.current, meta.uid)) return { object: decodeObject(res.current.value, res.current.modRevision), warnings };
      await this.strategy.abortCreate?.(obj);
      throw errors.alreadyExists(this.info.plural, this.info.group, name);
    }
    meta.resourceVersion = String(res.revision);
    return { object: obj, warnings, json: () => storedJson(value, res.revision) };
  }

  // ---- update and patch ------------------------------------------------------

  /** PUT: replaces the object (or only its status with subresource 'status'). */
  async update(
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    opts: WriteOptions & { subresource?: 'status' } = {},
  ): Promise<WriteResult> {
    const incoming = this.checkBody(body, namespace, name);
    const precondition = incoming.metadata.resourceVersion;
    const warnings = this.checkFields(incoming, opts.fieldValidation);
    return this.guaranteedUpdate(namespace, name, precondition, () => incoming, opts, opts.subresource, warnings);
  }

  /**
   * Read, mutate, write with compare-and-swap; on a conflict re-read and try
   * again unless the caller named the resourceVersion it expects.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    precondition: string | undefined,
    mutate: (current: KubeObject) => KubeObject,
    opts: WriteOptions = {},
    subresource?: UpdateScope,
    warnings: string[] = [],
  ): Promise<WriteResult> {
    const key = this.key(namespace, name);
    // The first guess comes from the watch cache (no etcd read), as Kubernetes'
    // GuaranteedUpdate does with its cached object. A stale guess is harmless
    // when it ends in a compare-and-swap (the swap fails and the retry uses
    // the value etcd returned); every other outcome decided on it (an error, a
    // failed precondition, nothing to change, a dry run) is redone on a fresh read.
    let kv: KeyValue | undefined = opts.dryRun ? undefined : this.cache.latestStored(key);
    let guessed = kv !== undefined;
    for (let attempt = 0; ; attempt++) {
      if (!kv) {
        kv = await this.backend.get(key);
        guessed = false;
        if (!kv) throw this.notFound(name);
      }
      let current: KubeObject;
      let next: KubeObject;
      try {
        current = decodeObject(kv.value, kv.modRevision);
        if (precondition && precondition !== current.metadata.resourceVersion) throw this.conflict(name);
        next = this.prepareUpdate(clone(mutate(clone(current))), current, subresource, opts.validated);
        if (opts.managedFields) setManagedFields(next, opts.managedFields(current, next));
      } catch (err) {
        if (!guessed) throw err;
        kv = undefined;
        continue;
      }
      if (sameJson(next, current)) {
        if (!guessed) return { object: current, warnings };
        kv = undefined;
        continue;
      }
      if (opts.dryRun) return { object: next, warnings };
      // Finalizers all gone from an object being deleted: delete it for real.
      const encoded = this.readyToRemove(next) ? undefined : this.encode(next);
      const res = encoded === undefined
        ? await this.backend.delete(kv.key, kv.modRevision)
        : await this.backend.update(kv.key, encoded, kv.modRevision);
      if (res.ok) {
        if (encoded === undefined) await this.strategy.afterDelete?.(next);
        next.metadata.resourceVersion = String(res.revision);
        return { object: next, warnings, json: encoded && (() => storedJson(encoded, res.revision)) };
      }
      if (res.current && encoded && res.current.value.equals(encoded)) {
        return { object: decodeObject(res.current.value, res.current.modRevision), warnings };
      }
      if (precondition && !guessed) throw this.conflict(name);
      if (attempt >= MAX_CONFLICT_RETRIES) throw this.conflict(name);
      // The failed swap read the key in the same transaction: retry from that.
      kv = res.current;
      guessed = false;
    }
  }

  private prepareUpdate(next: KubeObject, current: KubeObject, subresource?: UpdateScope, validated?: boolean): KubeObject {
    if (subresource === 'whole') {
      // Internal writes (binding, finalize) set spec and status together.
    } else if (subresource === 'status') {
      // The status subresource changes status only.
      next = { ...clone(current), status: next.status };
    } else {
      next.apiVersion = current.apiVersion;
      next.kind = current.kind;
      this.admission.default(next);
      this.strategy.prepareForUpdate?.(next, current, this.ctx);
      if (this.info.subresources.includes('status') && 'status' in current) next.status = current.status;
      else if (this.info.subresources.includes('status')) delete next.status;
    }
    const m = next.metadata;
    const c = current.metadata;
    m.name = c.name;
    if (this.info.namespaced) m.namespace = c.namespace;
    m.uid = c.uid;
    m.creationTimestamp = c.creationTimestamp;
    m.resourceVersion = c.resourceVersion;
    if (c.deletionTimestamp) {
      m.deletionTimestamp = c.deletionTimestamp;
      m.deletionGracePeriodSeconds = c.deletionGracePeriodSeconds;
    } else {
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
    }
    if (c.deletionTimestamp && (m.finalizers ?? []).some((f) => !(c.finalizers ?? []).includes(f))) {
      throw errors.invalid(this.info.kind, this.info.group, c.name ?? '', [
        { reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: 'Forbidden: no new finalizers can be added if the object is being deleted' },
      ]);
    }
    m.generation = (c.generation ?? 1) + (specChanged(next, current) ? 1 : 0);
    if (m.finalizers && m.finalizers.length === 0) delete m.finalizers;
    if (!validated) this.validate(next, current);
    return next;
  }

  // ---- delete --------------------------------------------------------------

  async delete(namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const kv = await this.backend.get(this.key(namespace, name));
      if (!kv) throw this.notFound(name);
      const current = decodeObject(kv.value, kv.modRevision);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw this.conflict(name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw this.conflict(name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      }
      const next = this.markForDeletion(clone(current), opts);
      const removeNow = next === undefined;
      if (opts.dryRun?.length) return current;
      const res = removeNow
        ? await this.backend.delete(kv.key, kv.modRevision)
        : sameJson(next, current)
          ? ({ ok: true, revision: kv.modRevision } as const)
          : await this.backend.update(kv.key, this.encode(next), kv.modRevision);
      if (res.ok) {
        if (removeNow) {
          await this.strategy.afterDelete?.(current);
          return current;
        }
        next.metadata.resourceVersion = String(res.revision);
        return next;
      }
      if (attempt >= MAX_CONFLICT_RETRIES) throw this.conflict(name);
    }
  }

  /** Returns the object to keep (being deleted), or undefined to remove it now. */
  private markForDeletion(obj: KubeObject, opts: DeleteOptions): KubeObject | undefined {
    const meta = obj.metadata;
    const policy = opts.propagationPolicy;
    const finalizers = new Set(meta.finalizers ?? []);
    if (policy === 'Orphan') finalizers.add('orphan');
    if (policy === 'Foreground') finalizers.add('foregroundDeletion');
    if (policy === 'Background') {
      finalizers.delete('orphan');
      finalizers.delete('foregroundDeletion');
    }
    const now = this.ctx.now();
    const stateful = this.strategy.beginDelete?.(obj, this.ctx) ?? false;
    const grace = this.strategy.gracePeriod?.(obj, opts) ?? 0;
    if (finalizers.size === 0 && !stateful && grace <= 0) return undefined;
    if (finalizers.size) meta.finalizers = [...finalizers];
    else delete meta.finalizers;
    const existingDeadline = meta.deletionTimestamp ? Date.parse(meta.deletionTimestamp) : Infinity;
    const deadline = now.getTime() + Math.max(0, grace) * 1000;
    // A second delete may shorten the grace period, never lengthen it.
    if (deadline < existingDeadline) {
      meta.deletionTimestamp = rfc3339(new Date(deadline));
      meta.deletionGracePeriodSeconds = Math.max(0, grace);
    }
    return obj;
  }

  private readyToRemove(obj: KubeObject): boolean {
    if (!obj.metadata.deletionTimestamp || (obj.metadata.finalizers ?? []).length > 0) return false;
    if (this.info.kind === 'Namespace') return ((obj.spec as { finalizers?: string[] })?.finalizers ?? []).length === 0;
    // A pod inside its grace period waits for its node to confirm (delete with
    // grace 0); one with nothing to wait for (unbound, finished, grace 0) goes.
    if (!this.strategy.gracePeriod) return true;
    return this.strategy.gracePeriod(obj, { gracePeriodSeconds: obj.metadata.deletionGracePeriodSeconds }) === 0;
  }

  async deleteCollection(namespace: string | undefined, filter: ObjectFilter | undefined, opts: DeleteOptions): Promise<KubeList> {
    const list = await this.list(namespace, { filter });
    const deleted: KubeObject[] = [];
    for (const item of list.items) {
      try {
        deleted.push(await this.delete(item.metadata.namespace, item.metadata.name!, opts));
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'NotFound')) throw err;
      }
    }
    return { ...list, items: deleted };
  }

  // ---- watch ---------------------------------------------------------------

  /** Streams changes; with resourceVersion '' or '0' it first sends what exists as ADDED. */
  async watch(namespace: string | undefined, opts: WatchOptions, sink: WatchSink): Promise<Subscription> {
    const filter = opts.filter ?? (() => true);
    const inScope = (o: KubeObject) => !this.info.namespaced || !namespace || o.metadata.namespace === namespace;
    const matches = (o: KubeObject | undefined) => o !== undefined && inScope(o) && filter(o);
    // Without a filter, the key alone decides (its namespace never changes): nothing is decoded.
    const scopePrefix = collectionPrefix(this.info, namespace);
    let after: number;
    if (!opts.resourceVersion || opts.resourceVersion === '0') {
      const list = await this.list(namespace, { filter });
      for (const item of list.items) sink.onEvent('ADDED', listedObject(item));
      after = Number(list.metadata.resourceVersion);
    } else {
      after = Number(opts.resourceVersion);
      if (!Number.isInteger(after) || after < 0) throw errors.badRequest(`invalid resourceVersion "${opts.resourceVersion}"`);
    }
    return this.cache.subscribe(after, {
      onEvent: (ev: CacheEvent<KubeObject>) => {
        let now: boolean;
        let before: boolean;
        if (opts.filter) {
          now = matches(ev.object);
          before = matches(ev.prev);
        } else {
          now = ev.key.startsWith(scopePrefix);
          before = now && ev.hasPrev;
        }
        // Objects moving in or out of a selector appear as ADDED or DELETED, as in Kubernetes.
        if (ev.type === 'DELETED') {
          if (before || now) sink.onEvent('DELETED', ev);
        } else if (now && before) sink.onEvent('MODIFIED', ev);
        else if (now) sink.onEvent('ADDED', ev);
        else if (before) sink.onEvent('DELETED', ev);
      },
      onError: (err) => sink.onError(err instanceof ApiError ? err : errors.internal(String(err))),
    });
  }

  // ---- helpers ---------------------------------------------------------------

  key(namespace: string | undefined, name: string): string {
    return objectKey(this.info, namespace, name);
  }

  private encode(obj: KubeObject): Buffer {
    const value = encodeObject(obj);
    if (value.length > MAX_OBJECT_BYTES) {
      throw errors.tooLarge(`${this.info.kind} "${obj.metadata.name}" is too large: ${value.length} bytes, the limit is ${MAX_OBJECT_BYTES}`);
    }
    return value;
  }

  /** Checks what the body claims against the request path; returns a private copy. */
  private checkBody(body: KubeObject, namespace: string | undefined, name?: string): KubeObject {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the request body must be a JSON object');
    const obj = clone(body);
    if (obj.kind !== undefined && obj.kind !== this.info.kind) {
      throw errors.badRequest(`the kind "${obj.kind}" of the body does not match the ${this.info.kind} endpoint`);
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== this.apiVersion) {
      throw errors.badRequest(`the apiVersion "${obj.apiVersion}" of the body does not match "${this.apiVersion}"`);
    }
    obj.apiVersion = this.apiVersion;
    obj.kind = this.info.kind;
    if (obj.metadata === undefined) obj.metadata = {};
    if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata) || obj.metadata === null) {
      throw errors.badRequest('metadata must be an object');
    }
    const meta = obj.metadata;
    if (this.info.namespaced) {
      if (meta.namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    if (name !== undefined && meta.name !== undefined && meta.name !== name) {
      throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    if (name !== undefined) meta.name = name;
    if (!meta.name && !meta.generateName) {
      throw errors.invalid(this.info.kind, this.info.group, '', [
        { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
      ]);
    }
    return obj;
  }

  /** Unknown fields: an error with Strict, warnings with Warn (the default). */
  checkFields(obj: KubeObject, mode: FieldValidation = 'Warn'): string[] {
    if (mode === 'Ignore') return [];
    const unknown = this.admission.unknownFields(obj);
    if (unknown.length === 0) return [];
    if (mode === 'Strict') {
      throw errors.badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
    }
    return unknown.map((f) => `unknown field "${f}"`);
  }

  private validate(obj: KubeObject, old?: KubeObject): void {
    const causes: StatusCause[] = [...this.admission.validate(obj), ...(this.strategy.validate?.(obj, old) ?? [])];
    if (causes.length) throw errors.invalid(this.info.kind, this.info.group, obj.metadata.name ?? '', causes);
  }

  private async checkNamespace(namespace: string, name: string): Promise<void> {
    const phase = await this.deps.namespaces?.phase(namespace);
    if (!this.deps.namespaces || phase === 'Active') return;
    if (phase === undefined) throw errors.notFound('namespaces', '', namespace);
    throw errors.forbidden(`${this.info.plural} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`);
  }

  private notFound(name: string): ApiError {
    return errors.notFound(this.info.plural, this.info.group, name);
  }

  private conflict(name: string, why?: string): ApiError {
    return errors.conflict(this.info.plural, this.info.group, name, why);
  }
}

/** How stored values become the objects and JSON clients get. */
const STORED_CODEC = { decode: decodeObject, json: storedJson };

/** A listed object as a watch delivers it. */
function listedObject(object: KubeObject): ServedObject {
  let json: Buffer | undefined;
  return { object, revision: Number(object.metadata.resourceVersion), json: () => (json ??= Buffer.from(JSON.stringify(object))) };
}

function setManagedFields(obj: KubeObject, entries: unknown[] | undefined): void {
  if (entries === undefined) return;
  if (entries.length) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
}

function sameUid(kv: KeyValue, uid: string | undefined): boolean {
  try {
    return JSON.parse(kv.value.toString()).metadata?.uid === uid;
  } catch {
    return false;
  }
}

/**
 * Equal as JSON: undefined fields and key order do not count. Walks the two
 * trees directly (every update asks this, and a round trip through JSON costs
 * four full passes over both objects).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (!isPlain(a) || !isPlain(b)) return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    // An undefined array element is null in JSON.
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let defined = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    defined++;
    if (!Object.prototype.hasOwnProperty.call(y, k) || !sameJson(x[k], y[k])) return false;
  }
  for (const k in y) if (y[k] !== undefined) defined--;
  return defined === 0;
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === Array.prototype || proto === null;
}

/** Everything but metadata and status counts as spec for generation. */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = ({ metadata: _m, status: _s, ...rest }: KubeObject) => rest;
  return !sameJson(strip(a), strip(b));
}

let formattedSecond = NaN;
let formatted = '';

/** Whole seconds, as Kubernetes' metav1.Time; one formatting per second (every write asks). */
export function rfc3339(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== formattedSecond) {
    formatted = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    formattedSecond = second;
  }
  return formatted;
}

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_CHARS[randomInt(NAME_CHARS.length)];
  return s;
}

function encodeContinue(revision: number, startKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'kapstan/v1', rv: revision, start: startKey })).toString('base64url');
}

function decodeContinue(token: string, prefix: string): { revision: number; startKey: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString());
    if (t.v !== 'kapstan/v1' || !Number.isInteger(t.rv) || typeof t.start !== 'string' || t.start.includes('..')) throw new Error();
    return { revision: t.rv, startKey: prefix + t.start };
  } catch {
    throw errors.badRequest('invalid continue token');
  }
}
