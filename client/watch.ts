// A watch stream as an async iterable: the server sends one JSON
// `{"type","object"}` per line; each line becomes one WatchEvent. Reading is
// paced by the consumer (the socket is paused while events wait unread).
import type { IncomingMessage } from 'node:http';
import { ApiError, fromStatus, Status } from '../api/errors';
import type { WatchEvent } from '../api/types';

/** Unread events beyond which the socket is paused. */
const HIGH_WATER_EVENTS = 256;

export interface WatchStream<T = unknown> extends AsyncIterable<WatchEvent<T>> {
  /** Ends the stream: iteration finishes after events already received. */
  close(): void;
}

/**
 * One line of a watch response: its event, undefined for a blank line, an
 * Error for one that is not JSON. Surrounding whitespace is ignored as by
 * String.trim (JSON.parse itself skips the usual JSON whitespace).
 */
function parseLine<T>(line: string): WatchEvent<T> | undefined | Error {
  try {
    return JSON.parse(line) as WatchEvent<T>;
  } catch (err) {
    const trimmed = line.trim();
    if (!trimmed) return undefined;
    if (trimmed.length === line.length) return new Error(`malformed watch event: ${(err as Error).message}: ${trimmed.slice(0, 200)}`);
    try {
      return JSON.parse(trimmed) as WatchEvent<T>;
    } catch (err2) {
      return new Error(`malformed watch event: ${(err2 as Error).message}: ${trimmed.slice(0, 200)}`);
    }
  }
}

const NEWLINE = 0x0a;

/** Parses a newline-delimited JSON watch response. */
export function watchStreamOf<T>(res: IncomingMessage, onClose: () => void = () => res.destroy()): WatchStream<T> {
  const queue: WatchEvent<T>[] = [];
  let failure: Error | undefined;
  let done = false;
  let wake: (() => void) | undefined;
  /** Bytes of a line not yet ended by a newline (chunks kept apart until it ends). */
  let partial: Buffer[] = [];

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const finish = (err?: Error) => {
    if (done) return;
    if (err && !failure) failure = err;
    done = true;
    notify();
  };

  // Lines are found in the raw bytes and only complete ones are decoded: a
  // newline byte never occurs inside a multi-byte UTF-8 sequence.
  res.on('data', (chunk: Buffer | string) => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    let nl = buf.indexOf(NEWLINE);
    if (nl >= 0 && partial.length > 0) {
      partial.push(buf.subarray(0, nl));
      const line = Buffer.concat(partial);
      partial = [];
      if (!pushLine(line, 0, line.length)) return;
      start = nl + 1;
      nl = buf.indexOf(NEWLINE, start);
    }
    while (nl >= 0) {
      if (!pushLine(buf, start, nl)) return;
      start = nl + 1;
      nl = buf.indexOf(NEWLINE, start);
    }
    if (start < buf.length) partial.push(start === 0 ? buf : buf.subarray(start));
    if (queue.length >= HIGH_WATER_EVENTS) res.pause();
    notify();
  });
  /** Parses bytes [from, to) as one event; false (the stream failed) when they are not JSON. */
  const pushLine = (buf: Buffer, from: number, to: number): boolean => {
    if (from === to) return true;
    const event = parseLine<T>(buf.toString('utf8', from, to));
    if (event instanceof Error) {
      finish(event);
      res.destroy();
      return false;
    }
    if (event !== undefined) queue.push(event);
    return true;
  };
  res.on('end', () => {
    // A final event without a trailing newline still counts.
    const rest = partial.length > 0 ? Buffer.concat(partial).toString('utf8') : '';
    partial = [];
    const event = rest ? parseLine<T>(rest) : undefined;
    // (a truncated line at the end of a cut stream is dropped)
    if (event !== undefined && !(event instanceof Error)) queue.push(event);
    finish();
  });
  res.on('error', (err) => finish(err));
  res.on('close', () => finish());

  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    onClose();
    finish();
  };

  return {
    close,
    [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
      return {
        async next(): Promise<IteratorResult<WatchEvent<T>>> {
          for (;;) {
            if (queue.length > 0) {
              const value = queue.shift()!;
              if (queue.length < HIGH_WATER_EVENTS / 2 && res.isPaused()) res.resume();
              return { value, done: false };
            }
            if (done) {
              if (failure && !closed) {
                const err = failure;
                failure = undefined;
                throw err;
              }
              return { value: undefined, done: true };
            }
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
        async return(): Promise<IteratorResult<WatchEvent<T>>> {
          close();
          return { value: undefined, done: true };
        },
      };
    },
  };
}

/** The ApiError carried by an ERROR watch event (a metav1.Status). */
export function watchEventError(event: WatchEvent<unknown>): ApiError {
  return fromStatus((event.object ?? {}) as Partial<Status>);
}
