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

/** Parses a newline-delimited JSON watch response. */
export function watchStreamOf<T>(res: IncomingMessage, onClose: () => void = () => res.destroy()): WatchStream<T> {
  const queue: WatchEvent<T>[] = [];
  let failure: Error | undefined;
  let done = false;
  let wake: (() => void) | undefined;
  let partial = '';

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

  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl).trim();
      partial = partial.slice(nl + 1);
      if (!line) continue;
      try {
        queue.push(JSON.parse(line) as WatchEvent<T>);
      } catch (err) {
        finish(new Error(`malformed watch event: ${(err as Error).message}: ${line.slice(0, 200)}`));
        res.destroy();
        return;
      }
    }
    if (queue.length >= HIGH_WATER_EVENTS) res.pause();
    notify();
  });
  res.on('end', () => {
    // A final event without a trailing newline still counts.
    const line = partial.trim();
    partial = '';
    if (line) {
      try {
        queue.push(JSON.parse(line) as WatchEvent<T>);
      } catch {
        /* a truncated line at the end of a cut stream is dropped */
      }
    }
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
