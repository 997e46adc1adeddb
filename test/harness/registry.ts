// The API registry (every store, no HTTP) on a real etcd of its own, for tests
// of the generic store and the allocators.
import { startTestEtcd, type TestEtcd } from './etcd';
import { EtcdBackend } from '../../apiserver/storage/etcd-backend';
import { Registry } from '../../apiserver/registry/registry';
import { noAdmission } from '../../apiserver/registry/strategy';

export interface TestRegistry {
  etcd: TestEtcd;
  backend: EtcdBackend;
  registry: Registry;
  stop(): Promise<void>;
}

/** Starts etcd, a backend and a started registry (with the bootstrap namespaces unless told otherwise). */
export async function startTestRegistry(opts: { bootstrap?: boolean } = {}): Promise<TestRegistry> {
  const etcd = await startTestEtcd();
  const backend = new EtcdBackend({ endpoints: [etcd.endpoint] });
  const registry = new Registry(backend, noAdmission);
  await registry.start();
  if (opts.bootstrap ?? true) await registry.bootstrap();
  return {
    etcd,
    backend,
    registry,
    async stop() {
      registry.stop();
      await backend.close();
      await etcd.destroy();
    },
  };
}
