// The shape shared by the agent's kube-proxy and route loops: follow a
// list-then-watch stream into a local view and re-apply the view to the
// kernel after each change. Changes arriving while an apply runs are
// coalesced into the next one; a failed apply is retried after a delay; a
// broken stream is opened again (and lists again) after a delay that doubles,
// up to 10 times the first, while streams keep breaking before any event.

export interface WatchSyncLoopOptions<E> {
  /** Opens the stream, ending when signal aborts. */
  open(signal: AbortSignal): AsyncIterable<E>;
  /** A new stream begins (its list replaces the view at its SYNC). */
  restart(): void;
  /** Applies one event to the view; true when the synced view changed. */
  apply(ev: E): boolean;
  /** Makes the kernel match the view. */
  program(): Promise<unknown>;
  signal: AbortSignal;
  /** What the loop keeps in sync, for warnings ("Service rules"). */
  what: string;
  retryDelayMs?: number;
  warn?(message: string): void;
}

export async function runWatchSyncLoop<E>(opts: WatchSyncLoopOptions<E>): Promise<void> {
  const retryDelayMs = opts.retryDelayMs ?? 1000;
  let dirty = false;
  let syncing: Promise<void> | undefined;
  const program = () => {
    dirty = true;
    syncing ??= (async () => {
      while (dirty && !opts.signal.aborted) {
        dirty = false;
        try {
          await opts.program();
        } catch (err) {
          opts.warn?.(`programming ${opts.what} failed: ${(err as Error).message}`);
          dirty = true;
          await delay(retryDelayMs, opts.signal);
        }
      }
      syncing = undefined;
    })();
  };
  let reopenDelayMs = retryDelayMs;
  while (!opts.signal.aborted) {
    opts.restart();
    try {
      for await (const ev of opts.open(opts.signal)) {
        reopenDelayMs = retryDelayMs;
        if (opts.apply(ev)) program();
      }
    } catch (err) {
      if (!opts.signal.aborted) opts.warn?.(`watch for ${opts.what} broke: ${(err as Error).message}`);
    }
    await delay(reopenDelayMs, opts.signal);
    reopenDelayMs = Math.min(reopenDelayMs * 2, retryDelayMs * 10);
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
