// A storage backend, and the API registry (every store, no HTTP) on it, on a
// real etcd of their own, for tests of storage, the generic store and the allocators.
import { startTestEtcd, type TestEtcd } from './etcd';
import { EtcdBackend } from '../../apiserver/storage/etcd-backend';
import { Registry } from '../../apiserver/registry/registry';
import { noAdmission } from '../../apiserver/registry/strategy';

export interface TestBackend {
  etcd: TestEtcd;
  backend: EtcdBackend;
  stop(): Promise<void>;
}

export interface TestRegistry extends TestBackend {
  registry: Registry;
}

/** Starts etcd and a backend on it. */
export async function startTestBackend(): Promise<TestBackend> {
  const etcd = await startTestEtcd();
  const backend = new EtcdBackend({ endpoints: [etcd.endpoint] });
  return {
    etcd,
    backend,
    async stop() {
      await backend.close();
      await etcd.destroy();
    },
  };
}

/** Starts etcd, a backend and a started registry (with the bootstrap namespaces unless told otherwise). */
export async function startTestRegistry(opts: { bootstrap?: boolean } = {}): Promise<TestRegistry> {
  const bed = await startTestBackend();
  const registry = new Registry(bed.backend, noAdmission);
  await registry.start();
  if (opts.bootstrap ?? true) await registry.bootstrap();
  return {
    ...bed,
    registry,
    async stop() {
      registry.stop();
      await bed.stop();
    },
  };
}
