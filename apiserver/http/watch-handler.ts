// Watch streams: newline-delimited {"type","object"} events, flushed one by one.
import type { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import type { ObjectFilter, ResourceStore } from '../registry/store';
import { toTable } from '../printers';
import type { RestContext } from './rest-handler';
import { wantsTable } from './rest-handler';
import { sendError } from './respond';

const DEFAULT_TIMEOUT_SECONDS = 1800;
const BOOKMARK_INTERVAL_MS = 10_000;

/** Each cached object is serialized once, however many clients watch it. */
const jsonOf = new WeakMap<object, string>();
function serialized(obj: object): string {
  let s = jsonOf.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    jsonOf.set(obj, s);
  }
  return s;
}

export async function serveWatch(ctx: RestContext, store: ResourceStore, ns: string | undefined, filter?: ObjectFilter): Promise<void> {
  const { req, res, query } = ctx;
  const asTable = wantsTable(req);
  const timeoutSeconds = query.has('timeoutSeconds') ? Math.max(0, Number(query.get('timeoutSeconds'))) : DEFAULT_TIMEOUT_SECONDS;
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  let lastRevision = 0;
  let open = true;
  const pending: string[] = [];
  let started = false;

  const write = (line: string) => {
    if (!open) return;
    if (!started) {
      pending.push(line);
      return;
    }
    res.write(line);
  };
  const eventLine = (type: string, obj: KubeObject) => {
    const rv = Number(obj.metadata.resourceVersion);
    if (rv > lastRevision) lastRevision = rv;
    const body = asTable ? JSON.stringify(toTable(obj.kind, [obj], { resourceVersion: obj.metadata.resourceVersion })) : serialized(obj);
    write(`{"type":"${type}","object":${body}}\n`);
  };
  const finish = () => {
    if (!open) return;
    open = false;
    clearTimeout(timer);
    clearInterval(bookmarkTimer);
    sub?.close();
    res.end();
  };

  let sub: { close(): void } | undefined;
  const timer = setTimeout(() => {
    if (bookmarks) sendBookmark();
    finish();
  }, timeoutSeconds * 1000);
  const sendBookmark = () => {
    const rv = Math.max(lastRevision, store.cache.revision);
    write(JSON.stringify({ type: 'BOOKMARK', object: { kind: store.info.kind, apiVersion: apiVersionOf(store), metadata: { resourceVersion: String(rv) } } }) + '\n');
  };
  const bookmarkTimer = bookmarks ? setInterval(sendBookmark, BOOKMARK_INTERVAL_MS) : undefined;
  req.on('close', finish);
  res.on('close', finish);

  try {
    sub = await store.watch(ns, { filter, resourceVersion: query.get('resourceVersion') ?? '' }, {
      onEvent: (type, obj) => eventLine(type, obj),
      onError: (err: ApiError) => {
        write(JSON.stringify({ type: 'ERROR', object: err.toStatus() }) + '\n');
        finish();
      },
    });
  } catch (err) {
    clearTimeout(timer);
    clearInterval(bookmarkTimer);
    open = false;
    sendError(res, err);
    return;
  }
  if (!open) {
    sub.close();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  started = true;
  for (const line of pending) res.write(line);
  pending.length = 0;
}

function apiVersionOf(store: ResourceStore): string {
  return store.info.group ? `${store.info.group}/${store.info.version}` : store.info.version;
}
