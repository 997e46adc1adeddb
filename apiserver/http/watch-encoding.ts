// Watch event encoding shared by every watcher of one event, as Kubernetes'
// cacher does with its cachingObject: an object's event line is serialized once
// per event type and encoding, as the finished bytes of one HTTP chunk, and
// those bytes are written to every stream that sends it.
import type { ServerResponse } from 'node:http';
import type { ServedObject } from '../registry/store';
import { toTable } from '../printers';

/** One event line (`{"type":…,"object":…}\n`) framed as an HTTP/1.1 chunk. */
export interface WatchFrame {
  /** `<size in hex>\r\n<line>\r\n`. */
  chunk: Buffer;
  /** Where the line starts in `chunk` (after the size line). */
  lineStart: number;
}

export function frameOf(line: string): WatchFrame {
  return frameAround(line, undefined, '');
}

/** The chunk of `before` + `body` + `after` (the line). */
function frameAround(before: string, body: Buffer | undefined, after: string): WatchFrame {
  const beforeSize = Buffer.byteLength(before);
  const size = beforeSize + (body?.length ?? 0) + after.length;
  const head = `${size.toString(16)}\r\n`;
  // Not a slice of Node's shared pool: a cached frame would keep a whole pool slab alive.
  const chunk = Buffer.allocUnsafeSlow(head.length + size + 2);
  let at = chunk.write(head, 0, 'latin1');
  at += chunk.write(before, at, 'utf8');
  if (body) at += body.copy(chunk, at);
  chunk.write(`${after}\r\n`, at, 'latin1');
  return { chunk, lineStart: head.length };
}

interface Encoded {
  /** The one-row Table's JSON: a view into the first frame built with it. */
  table?: Buffer;
  frames: Partial<Record<string, WatchFrame>>;
}

/** Keyed by the object of an event, which every watcher of the event shares; gone with it. */
const encodings = new WeakMap<ServedObject, Encoded>();

/**
 * The frame of one event (`asTable`: the object as a one-row Table), built once
 * for all watchers. The object's JSON comes from its stored bytes: a watcher
 * without a selector never makes the object be decoded.
 */
export function eventFrame(type: string, source: ServedObject, asTable: boolean): WatchFrame {
  let enc = encodings.get(source);
  if (enc === undefined) {
    enc = { frames: {} };
    encodings.set(source, enc);
  }
  const key = asTable ? `table:${type}` : type;
  let frame = enc.frames[key];
  if (frame === undefined) {
    const before = `{"type":"${type}","object":`;
    if (!asTable) frame = frameAround(before, source.json(), '}\n');
    else if (enc.table !== undefined) frame = frameAround(before, enc.table, '}\n');
    else {
      const obj = source.object;
      frame = frameOf(`${before}${JSON.stringify(toTable(obj.kind, [obj], { resourceVersion: obj.metadata.resourceVersion }))}}\n`);
      enc.table = frame.chunk.subarray(frame.lineStart + before.length, frame.chunk.length - 4);
    }
    enc.frames[key] = frame;
  }
  return frame;
}

/**
 * Writes a frame on a watch response whose headers are sent. While the response
 * owns its connection (Node sets `res.socket` only then, after flushing what the
 * response buffered before) and is chunked (it always is: the header asks for it),
 * the prebuilt chunk goes straight to the socket: the bytes `res.write(line)` would
 * send, without Node's four socket writes per chunk (size line, CRLF, data, CRLF)
 * and their writev of four buffers, once per stream. Otherwise (a pipelined
 * response still waiting for its socket) the line goes through `res.write`.
 */
export function writeFrame(res: ServerResponse, frame: WatchFrame): void {
  const socket = res.socket;
  if (res.chunkedEncoding && socket !== null && socket.writable && !res.writableEnded) socket.write(frame.chunk);
  else res.write(frame.chunk.subarray(frame.lineStart, frame.chunk.length - 2));
}
