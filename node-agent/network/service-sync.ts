// The agent's kube-proxy loop: follows the WatchServices stream into a
// ServiceState and reprograms the node's table after each change (see
// watch-sync-loop.ts for coalescing and retries).
import type { ServiceProxy } from './service-proxy';
import { ServiceState, type ServiceWatchEvent } from './service-state';
import { runWatchSyncLoop } from './watch-sync-loop';

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
  await runWatchSyncLoop({
    ...opts,
    what: 'Service rules',
    restart: () => state.restart(),
    apply: (ev) => state.apply(ev),
    program: () => opts.proxy.sync(state.services(), state.endpoints()),
  });
}
