// All resource stores of one apiserver, sharing one backend.
import { RESOURCES, ResourceInfo } from '../../api/resources';
import { ApiError } from '../../api/errors';
import type { Backend } from '../storage/backend';
import { ResourceStore, NamespaceLookup } from './store';
import { strategyFor, StrategySettings } from './strategies';
import { ExpiringWrites } from '../storage/expiring-writes';
import { clusterAllocators } from './allocators/cluster-allocators';
import type { Admission } from './strategy';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class Registry {
  private readonly stores = new Map<ResourceInfo, ResourceStore>();
  /** Recently seen namespace phases, so a create costs no extra etcd read. */
  private readonly phaseCache = new Map<string, { phase: 'Active' | 'Terminating'; until: number }>();
  private nsSubscription?: { close(): void };

  constructor(backend: Backend, admission: Admission, clock?: () => Date, settings: StrategySettings = {}) {
    const namespaces: NamespaceLookup = {
      phase: async (name) => {
        const hit = this.phaseCache.get(name);
        if (hit && hit.until > Date.now()) return hit.phase;
        try {
          const ns = await this.storeFor('', 'v1', 'namespaces').get(undefined, name);
          const phase = ns.metadata.deletionTimestamp ? 'Terminating' : 'Active';
          this.phaseCache.set(name, { phase, until: Date.now() + 5_000 });
          return phase;
        } catch (err) {
          if (err instanceof ApiError && err.code === 'NotFound') return undefined;
          throw err;
        }
      },
    };
    const allocators = clusterAllocators(backend);
    const lookups = {
      priorityClassValue: async (name: string) => {
        try {
          const pc = await this.storeFor('scheduling.k8s.io', 'v1', 'priorityclasses').get(undefined, name);
          return typeof pc.value === 'number' ? pc.value : undefined;
        } catch (err) {
          if (err instanceof ApiError && err.code === 'NotFound') return undefined;
          throw err;
        }
      },
    };
    for (const info of RESOURCES) {
      const strategy = strategyFor(info, allocators, lookups, settings);
      // Kinds with a TTL (Events) write through a backend that asks for it on every write.
      const storeBackend = strategy.ttlSeconds ? new ExpiringWrites(backend, () => strategy.ttlSeconds!()) : backend;
      this.stores.set(info, new ResourceStore(info, strategy, { backend: storeBackend, admission, namespaces, clock }));
    }
  }

  storeFor(group: string, version: string, plural: string): ResourceStore {
    for (const [info, store] of this.stores) {
      if (info.group === group && info.version === version && info.plural === plural) return store;
    }
    throw new Error(`no store for ${group}/${version}/${plural}`);
  }

  find(group: string, version: string, plural: string): ResourceStore | undefined {
    for (const [info, store] of this.stores) {
      if (info.group === group && info.version === version && info.plural === plural) return store;
    }
    return undefined;
  }

  all(): ResourceStore[] {
    return [...this.stores.values()];
  }

  async start(): Promise<void> {
    await Promise.all(this.all().map((s) => s.start()));
    // Any change to a namespace drops its cached phase at once.
    const nsCache = this.storeFor('', 'v1', 'namespaces').cache;
    this.nsSubscription = nsCache.subscribe(nsCache.revision, {
      onEvent: (ev) => this.phaseCache.delete(ev.object.metadata.name ?? ''),
      onError: () => this.phaseCache.clear(),
    });
  }

  stop(): void {
    this.nsSubscription?.close();
    for (const s of this.all()) s.stop();
  }

  /** Creates the namespaces every cluster has. */
  async bootstrap(): Promise<void> {
    const ns = this.storeFor('', 'v1', 'namespaces');
    for (const name of SYSTEM_NAMESPACES) {
      try {
        await ns.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'AlreadyExists')) throw err;
      }
    }
  }
}
