// Empties namespaces that are being deleted, then lets them go: deletes every
// namespaced object in a Terminating namespace (as they allow: grace periods
// and finalizers are honoured), and once nothing is left removes the
// `kubernetes` finalizer, which removes the namespace itself.
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import type { Registry } from '../registry/registry';

const RETRY_MS = 1_000;

export class NamespaceFinalizer {
  private readonly pending = new Set<string>();
  private readonly running = new Set<string>();
  private timer?: NodeJS.Timeout;
  private sub?: { close(): void };
  private stopped = false;

  constructor(private readonly registry: Registry, private readonly log: (msg: string) => void = () => {}) {}

  async start(): Promise<void> {
    const namespaces = this.registry.storeFor('', 'v1', 'namespaces');
    this.sub = await namespaces.watch(undefined, { resourceVersion: '' }, {
      onEvent: (type, { object: ns }) => {
        if (type !== 'DELETED' && ns.metadata.deletionTimestamp) this.enqueue(ns.metadata.name!);
      },
      onError: (err) => {
        this.log(`namespace finalizer: watch failed (${err.message}); restarting`);
        this.sub = undefined;
        if (!this.stopped) setTimeout(() => this.start().catch(() => undefined), RETRY_MS);
      },
    });
  }

  stop(): void {
    this.stopped = true;
    this.sub?.close();
    clearTimeout(this.timer);
  }

  private enqueue(name: string): void {
    this.pending.add(name);
    if (this.stopped) return;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    for (const name of [...this.pending]) {
      if (this.running.has(name)) continue;
      this.pending.delete(name);
      this.running.add(name);
      this.finalize(name)
        .then((done) => {
          if (!done) this.retryLater(name);
        })
        .catch((err) => {
          this.log(`namespace finalizer: ${name}: ${err.message}`);
          this.retryLater(name);
        })
        .finally(() => this.running.delete(name));
    }
  }

  private retryLater(name: string): void {
    if (this.stopped) return;
    this.pending.add(name);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.drain(), RETRY_MS);
  }

  /** One pass; true when the namespace is empty and released. */
  private async finalize(name: string): Promise<boolean> {
    let remaining = 0;
    for (const store of this.registry.all()) {
      if (!store.info.namespaced) continue;
      const list = await store.list(name);
      for (const obj of list.items) {
        if (obj.metadata.deletionTimestamp) {
          remaining++;
          continue;
        }
        const left = await store.delete(name, obj.metadata.name!, { propagationPolicy: 'Background' }).catch(ignoreNotFound);
        // Objects with finalizers or a grace period stay for a while.
        if (left?.metadata.deletionTimestamp) remaining++;
      }
    }
    if (remaining > 0) return false;
    const namespaces = this.registry.storeFor('', 'v1', 'namespaces');
    await namespaces
      .guaranteedUpdate(undefined, name, undefined, (ns: KubeObject) => {
        const spec = (ns.spec ?? {}) as { finalizers?: string[] };
        return { ...ns, spec: { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== 'kubernetes') } };
      }, {}, 'whole')
      .catch(ignoreNotFound);
    return true;
  }
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof ApiError && err.code === 'NotFound') return undefined;
  throw err;
}
