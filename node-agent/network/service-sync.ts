// The agent's kube-proxy loop: follows the WatchServices stream into a
// ServiceState and reprograms the node's table after each change (changes
// that arrive while a sync runs are coalesced into the next one). A broken
// stream is opened again after a delay and lists again.
import type { ServiceProxy } from './service-proxy';
import { ServiceState, type ServiceWatchEvent } from './service-state';

export interface ServiceSyncOptions {
  /** Opens a WatchServices stream (e.g. NodeClient's), ending when signal aborts. */
  open(signal: AbortSignal): AsyncIterable<ServiceWatchEvent>;
  proxy: Pick<ServiceProxy, 'sync'>;
  signal: AbortSignal;
  retryDelayMs?: number;
  warn?(message: string): void;
}

export async function runServiceSync(opts: ServiceSyncOptions): Promise<void> {
  const state = new ServiceState();
  let dirty = false;
  let syncing: Promise<void> | undefined;
  const program = () => {
    dirty = true;
    syncing ??= (async () => {
      while (dirty && !opts.signal.aborted) {
        dirty = false;
        try {
          await opts.proxy.sync(state.services(), state.endpoints());
        } catch (err) {
          opts.warn?.(`programming Service rules failed: ${(err as Error).message}`);
          dirty = true;
          await delay(opts.retryDelayMs ?? 1000, opts.signal);
        }
      }
      syncing = undefined;
    })();
  };
  while (!opts.signal.aborted) {
    state.restart();
    try {
      for await (const ev of opts.open(opts.signal)) {
        if (state.apply(ev)) program();
      }
    } catch (err) {
      if (!opts.signal.aborted) opts.warn?.(`service watch broke: ${(err as Error).message}`);
    }
    await delay(opts.retryDelayMs ?? 1000, opts.signal);
  }
  await syncing;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
