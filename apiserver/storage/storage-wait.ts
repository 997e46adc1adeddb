// A starting server may find its storage without a quorum yet: an HA cluster
// restarted as a whole waits for two of its three etcd members. Steps that
// need storage at start are retried while it answers "unavailable" (503/504),
// instead of the server giving up after one request deadline.
import { isApiError } from '../../api/errors';

/** How long a starting server waits for its storage. */
export const STORAGE_WAIT_MS = 120_000;

export async function untilStorageAnswers<T>(what: string, log: (message: string) => void, step: () => Promise<T>, waitMs = STORAGE_WAIT_MS): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await step();
    } catch (err) {
      const waiting = isApiError(err, 'ServiceUnavailable') || isApiError(err, 'Timeout');
      if (!waiting || Date.now() + delay > deadline) throw err;
      log(`waiting for storage before ${what}: ${(err as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
