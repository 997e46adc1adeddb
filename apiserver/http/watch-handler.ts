// Watch streams: newline-delimited {"type","object"} events, flushed one by one.
import type { ApiError } from '../../api/errors';
import type { ObjectFilter, ResourceStore, ServedObject } from '../registry/store';
import type { RestContext } from './rest-handler';
import { wantsTable } from './rest-handler';
import { sendError } from './respond';
import { eventFrame, frameOf, WatchFrame, writeFrame } from './watch-encoding';

const DEFAULT_TIMEOUT_SECONDS = 1800;
const BOOKMARK_INTERVAL_MS = 10_000;

export async function serveWatch(ctx: RestContext, store: ResourceStore, ns: string | undefined, filter?: ObjectFilter): Promise<void> {
  const { req, res, query } = ctx;
  const asTable = wantsTable(req);
  const timeoutSeconds = query.has('timeoutSeconds') ? Math.max(0, Number(query.get('timeoutSeconds'))) : DEFAULT_TIMEOUT_SECONDS;
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  let lastRevision = 0;
  let open = true;
  const pending: WatchFrame[] = [];
  let started = false;

  const write = (frame: WatchFrame) => {
    if (!open) return;
    if (!started) {
      pending.push(frame);
      return;
    }
    writeFrame(res, frame);
  };
  // Each cached object is serialized once per event type, however many clients watch it.
  const eventLine = (type: string, source: ServedObject) => {
    if (source.revision > lastRevision) lastRevision = source.revision;
    write(eventFrame(type, source, asTable));
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
    write(frameOf(JSON.stringify({ type: 'BOOKMARK', object: { kind: store.info.kind, apiVersion: apiVersionOf(store), metadata: { resourceVersion: String(rv) } } }) + '\n'));
  };
  const bookmarkTimer = bookmarks ? setInterval(sendBookmark, BOOKMARK_INTERVAL_MS) : undefined;
  req.on('close', finish);
  res.on('close', finish);

  try {
    sub = await store.watch(ns, { filter, resourceVersion: query.get('resourceVersion') ?? '' }, {
      onEvent: (type, source) => eventLine(type, source),
      onError: (err: ApiError) => {
        write(frameOf(JSON.stringify({ type: 'ERROR', object: err.toStatus() }) + '\n'));
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
  for (const frame of pending) writeFrame(res, frame);
  pending.length = 0;
}

function apiVersionOf(store: ResourceStore): string {
  return store.info.group ? `${store.info.group}/${store.info.version}` : store.info.version;
}
