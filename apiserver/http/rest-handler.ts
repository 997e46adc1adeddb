// Verbs on resource paths: create, get, list, watch, update, patch, delete,
// deletecollection, and the status, scale, binding and finalize subresources.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errors } from '../../api/errors';
import type { DeleteOptions, KubeObject } from '../../api/types';
import { parseLabelSelector, matches, labelSelectorToSelector, selectorToString } from '../../api/labels';
import { parseFieldSelectorFor, matchesFields, fieldsOf } from '../../api/fields';
import { applyPatch } from '../../api/patch';
import type { Registry } from '../registry/registry';
import type { ObjectFilter, ResourceStore, FieldValidation, WriteOptions } from '../registry/store';
import type { ResourceRequest } from './request-info';
import { readBody, sendJson, sendJsonBytes } from './respond';
import { serveWatch } from './watch-handler';
import { PROTOBUF_MEDIA_TYPE, parseProtobufBody } from './protobuf-body';
import { includeObjectOf, toTable } from '../printers';
import { servePodLog } from './pod-log-handler';
import { servePodExec } from './pod-exec-handler';
import { servePodPortForward } from './pod-portforward-handler';
import { applyObject, updateTracker } from '../registry/apply';
import { APPLY_PATCH, applyOptionsOf, parseApplyBody, updateManagerOf } from './field-manager';
import '../printers/all';

/** Kubernetes refuses request bodies over 3 MiB; objects over 1.5 MiB fail at the store. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

const PATCH_TYPES = new Set([
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
]);

export interface RestContext {
  req: IncomingMessage;
  res: ServerResponse;
  info: ResourceRequest;
  query: URLSearchParams;
  registry: Registry;
}

export async function handleResource(ctx: RestContext): Promise<void> {
  const { req, info, query, registry } = ctx;
  const store = registry.find(info.group, info.version, info.resource);
  if (!store) {
    throw errors.notFound(info.resource, info.group, info.name ?? info.resource);
  }
  const ns = store.info.namespaced ? info.namespace : undefined;
  if (store.info.namespaced && info.name !== undefined && !ns) {
    throw errors.notFound(info.resource, info.group, info.name);
  }
  const method = req.method ?? 'GET';
  const sub = info.subresource;
  if (sub && !store.info.subresources.includes(sub as never) && !(info.resource === 'namespaces' && sub === 'finalize')) {
    throw errors.notFound(`${info.resource}/${sub}`, info.group, info.name ?? '');
  }
  const writeOpts: WriteOptions = {
    dryRun: query.getAll('dryRun').includes('All'),
    fieldValidation: fieldValidation(query.get('fieldValidation')),
  };
  // Every create, update and non-apply patch records its manager in metadata.managedFields.
  if (method === 'POST' || method === 'PUT' || (method === 'PATCH' && mediaType(req.headers['content-type']) !== APPLY_PATCH)) {
    writeOpts.managedFields = updateTracker(store, updateManagerOf(method, query, req), sub);
  }

  if (info.name === undefined) {
    switch (method) {
      case 'GET':
        if (info.watchPath || isTrue(query.get('watch'))) return serveWatch(ctx, store, ns, filterFor(store, query));
        return sendList(ctx, store, ns);
      case 'POST': {
        const body = await readObject(req);
        const { object, warnings, json } = await store.create(ns, body, writeOpts);
        return sendObject(ctx, 201, object, warnings, json);
      }
      case 'DELETE': {
        const opts = await readDeleteOptions(req, query);
        const list = await store.deleteCollection(ns, filterFor(store, query), opts);
        return sendJson(ctx.res, 200, list);
      }
      default:
        throw errors.methodNotAllowed();
    }
  }

  const name = info.name;
  if (sub === 'scale') return handleScale(ctx, store, ns, name, writeOpts);
  if (sub === 'binding') {
    if (method !== 'POST') throw errors.methodNotAllowed();
    return handleBinding(ctx, store, ns, name, await readObject(req));
  }
  // Streamed from the node's agent through its reverse tunnel (apiserver/grpc/streaming).
  if (info.resource === 'pods' && info.group === '' && ns && sub === 'log') {
    return servePodLog({ req, res: ctx.res, query, registry, pods: store, namespace: ns, name });
  }
  if (info.resource === 'pods' && info.group === '' && ns && sub === 'exec') {
    return servePodExec({ req, res: ctx.res, query, registry, pods: store, namespace: ns, name });
  }
  if (info.resource === 'pods' && info.group === '' && ns && sub === 'portforward') {
    return servePodPortForward({ req, res: ctx.res, query, registry, pods: store, namespace: ns, name });
  }
  if (sub && !['status', 'finalize'].includes(sub)) throw errors.methodNotAllowed(`${sub} is served by the node's agent`);
  const scope = sub === 'status' ? 'status' : sub === 'finalize' ? 'whole' : undefined;

  switch (method) {
    case 'GET': {
      if (info.watchPath || isTrue(query.get('watch'))) return serveWatch(ctx, store, ns, filterFor(store, query, name));
      const served = await store.read(ns, name);
      if (wantsTable(req)) return sendObject(ctx, 200, served.object);
      return sendJsonBytes(ctx.res, 200, served.json());
    }
    case 'PUT': {
      const body = await readObject(req);
      if (sub === 'finalize') {
        const finalizers = (body.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
        const { object } = await store.guaranteedUpdate(ns, name, body.metadata?.resourceVersion, (cur) => ({ ...cur, spec: { ...(cur.spec as object), finalizers } }), writeOpts, 'whole');
        return sendObject(ctx, 200, object);
      }
      const { object, warnings, json } = await store.update(ns, name, body, Object.assign({}, writeOpts, { subresource: scope === 'status' ? ('status' as const) : undefined }));
      return sendObject(ctx, 200, object, warnings, json);
    }
    case 'PATCH': {
      const contentType = mediaType(req.headers['content-type']);
      if (contentType === APPLY_PATCH) {
        if (sub === 'finalize') throw errors.methodNotAllowed();
        const { manager, force } = applyOptionsOf(query);
        const config = parseApplyBody(await readBody(req, MAX_BODY_BYTES));
        const { object, warnings, created } = await applyObject(store, ns, name, config, {
          ...writeOpts,
          manager,
          force,
          subresource: scope === 'status' ? 'status' : undefined,
        });
        return sendObject(ctx, created ? 201 : 200, object, warnings);
      }
      if (!PATCH_TYPES.has(contentType)) throw errors.unsupportedMediaType(contentType || '(none)');
      const patch = parseJson(await readBody(req, MAX_BODY_BYTES));
      const precondition = patchPrecondition(patch);
      const { object, warnings, json } = await store.guaranteedUpdate(
        ns,
        name,
        precondition,
        (cur) => applyPatch(cur, patch, contentType, store.info.kind) as KubeObject,
        writeOpts,
        scope === 'status' ? 'status' : undefined,
      );
      return sendObject(ctx, 200, object, warnings, json);
    }
    case 'DELETE': {
      const opts = await readDeleteOptions(req, query);
      const object = await store.delete(ns, name, opts);
      return sendObject(ctx, object.metadata.deletionTimestamp ? 202 : 200, object);
    }
    default:
      throw errors.methodNotAllowed();
  }
}

async function sendList(ctx: RestContext, store: ResourceStore, ns: string | undefined): Promise<void> {
  const { query } = ctx;
  const limit = query.has('limit') ? Number(query.get('limit')) : undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw errors.badRequest(`invalid limit "${query.get('limit')}"`);
  const list = await store.list(ns, {
    filter: filterFor(store, query),
    limit,
    continue: query.get('continue') || undefined,
  });
  if (wantsTable(ctx.req)) {
    return sendJson(ctx.res, 200, toTable(store.info.kind, list.items, list.metadata as Record<string, unknown>, undefined, includeObjectOf(query.get('includeObject'))));
  }
  sendJson(ctx.res, 200, list);
}

/** Sends an object (`json`: its JSON as just stored, which spares serializing it again). */
function sendObject(ctx: RestContext, code: number, object: KubeObject, warnings: string[] = [], json?: () => Buffer): void {
  if (wantsTable(ctx.req)) {
    return sendJson(ctx.res, code, toTable(object.kind, [object], { resourceVersion: object.metadata.resourceVersion }), warnings);
  }
  if (json) return sendJsonBytes(ctx.res, code, json(), warnings);
  sendJson(ctx.res, code, object, warnings);
}

/** A label and field selector from the query (plus a name, for watches of one object). */
export function filterFor(store: ResourceStore, query: URLSearchParams, name?: string): ObjectFilter | undefined {
  const label = query.get('labelSelector');
  const field = query.get('fieldSelector');
  const labelSel = label ? parseLabelSelector(label) : undefined;
  const fieldSel = field ? parseFieldSelectorFor(store.info.plural, field) : undefined;
  if (!labelSel && !fieldSel && name === undefined) return undefined;
  return (obj) =>
    (name === undefined || obj.metadata.name === name) &&
    (!labelSel || matches(labelSel, obj.metadata.labels)) &&
    (!fieldSel || matchesFields(fieldSel, fieldsOf(store.info.plural, obj)));
}

export function wantsTable(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  if (!accept.includes('as=Table')) return false;
  return accept.split(',').some((part) => /;\s*as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

async function handleScale(ctx: RestContext, store: ResourceStore, ns: string | undefined, name: string, opts: WriteOptions): Promise<void> {
  const { req } = ctx;
  const method = req.method ?? 'GET';
  if (method === 'GET') return sendJson(ctx.res, 200, toScale(await store.get(ns, name)));
  let incoming: KubeObject;
  let precondition: string | undefined;
  if (method === 'PUT') {
    incoming = await readObject(req);
    precondition = incoming.metadata?.resourceVersion;
  } else if (method === 'PATCH') {
    const contentType = mediaType(req.headers['content-type']);
    if (!PATCH_TYPES.has(contentType)) throw errors.unsupportedMediaType(contentType || '(none)');
    const patch = parseJson(await readBody(req, MAX_BODY_BYTES));
    const current = toScale(await store.get(ns, name));
    incoming = applyPatch(current, patch, contentType, 'Scale') as KubeObject;
    precondition = patchPrecondition(patch);
  } else {
    throw errors.methodNotAllowed();
  }
  const replicas = (incoming.spec as { replicas?: unknown } | undefined)?.replicas;
  if (!Number.isInteger(replicas) || (replicas as number) < 0) {
    throw errors.invalid('Scale', 'autoscaling', name, [
      { reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` },
    ]);
  }
  const { object } = await store.guaranteedUpdate(ns, name, precondition, (cur) => ({ ...cur, spec: { ...(cur.spec as object), replicas } }), opts);
  sendJson(ctx.res, 200, toScale(object));
}

function toScale(obj: KubeObject) {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: Parameters<typeof labelSelectorToSelector>[0] };
  const status = (obj.status ?? {}) as { replicas?: number };
  const sel = labelSelectorToSelector(spec.selector);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: sel ? selectorToString(sel) : '' },
  };
}

/** pods/binding: assigns a pod to a node exactly once (a second binding is a 409). */
async function handleBinding(ctx: RestContext, pods: ResourceStore, ns: string | undefined, name: string, binding: KubeObject): Promise<void> {
  const target = binding.target as { kind?: string; name?: string } | undefined;
  if (!target?.name) {
    throw errors.invalid('Binding', '', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  }
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await pods.guaranteedUpdate(
    ns,
    name,
    binding.metadata?.resourceVersion,
    (pod) => {
      const spec = (pod.spec ?? {}) as { nodeName?: string };
      if (pod.metadata.deletionTimestamp) throw errors.conflict('pods', '', name, 'pod is being deleted');
      if (spec.nodeName) throw errors.conflict('pods/binding', '', name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
      const status = (pod.status ?? {}) as { conditions?: { type: string }[] };
      const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now } as never);
      // `pod` is the store's private copy. Assigned in place: `{ ...spec, nodeName }`
      // (a spread plus a new key) takes a slow path in V8, microseconds per binding.
      spec.nodeName = target.name;
      status.conditions = conditions;
      pod.spec = spec;
      pod.status = status;
      return pod;
    },
    { validated: true },
    'whole',
  );
  sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

// ---- request decoding --------------------------------------------------------

export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

async function readObject(req: IncomingMessage): Promise<KubeObject> {
  const type = mediaType(req.headers['content-type']);
  const buf = await readBody(req, MAX_BODY_BYTES);
  let obj: unknown;
  if (type === '' || type === 'application/json') obj = parseJson(buf);
  else if (type === PROTOBUF_MEDIA_TYPE) obj = parseProtobufBody(buf);
  else if (type === 'application/yaml' || type === 'application/x-yaml') {
    try {
      obj = parseYaml(buf.toString('utf8'));
    } catch (err) {
      throw errors.badRequest(`the request body is not valid YAML: ${(err as Error).message}`);
    }
  } else throw errors.unsupportedMediaType(type);
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw errors.badRequest('the request body must be an object');
  return obj as KubeObject;
}

async function readDeleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
  const buf = await readBody(req, MAX_BODY_BYTES);
  const opts: DeleteOptions = buf.length ? (parseJson(buf) as DeleteOptions) : {};
  if (query.has('gracePeriodSeconds')) opts.gracePeriodSeconds = Number(query.get('gracePeriodSeconds'));
  if (query.has('propagationPolicy')) opts.propagationPolicy = query.get('propagationPolicy') as DeleteOptions['propagationPolicy'];
  if (query.getAll('dryRun').includes('All')) opts.dryRun = ['All'];
  if (opts.gracePeriodSeconds !== undefined && (!Number.isInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)) {
    throw errors.badRequest(`invalid gracePeriodSeconds ${opts.gracePeriodSeconds}`);
  }
  if (opts.propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(opts.propagationPolicy)) {
    throw errors.badRequest(`propagationPolicy "${opts.propagationPolicy}" is not one of Foreground, Background, Orphan`);
  }
  return opts;
}

function patchPrecondition(patch: unknown): string | undefined {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return undefined;
  const rv = (patch as { metadata?: { resourceVersion?: unknown } }).metadata?.resourceVersion;
  return typeof rv === 'string' && rv ? rv : undefined;
}

function fieldValidation(v: string | null): FieldValidation | undefined {
  if (v === null || v === '') return undefined;
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.badRequest(`fieldValidation "${v}" is not one of Strict, Warn, Ignore`);
}

function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}

