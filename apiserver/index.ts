// The apiserver as one component: storage, registry, HTTPS. The command layer
// (cmd/) decides where etcd comes from and where the PKI lives.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:https';
import { EtcdBackend } from './storage/etcd-backend';
import { Registry } from './registry/registry';
import { createHttpServer, tokenMatcher, type ExtraRoute } from './http/server';
import { builtinAdmission } from './admission';
import { NamespaceFinalizer } from './lifecycle/namespace-finalizer';
import type { Admission } from './registry/strategy';

export const KAPSTAN_VERSION = { major: '1', minor: '30', gitVersion: 'v1.30.0-kapstan.0.1.0' };

export interface ApiServerConfig {
  etcdEndpoints: string[];
  host: string;
  port: number;
  tls: { certPem: string; keyPem: string; caPem?: string };
  tokens: string[];
  admission?: Admission;
  /** Extra exact paths served before authentication (they authenticate on their own). */
  routes?: ReadonlyMap<string, ExtraRoute>;
  /** How long Events are kept after their last write (--event-ttl; default 1 h). */
  eventTtlSeconds?: number;
}

export interface RunningApiServer {
  url: string;
  port: number;
  registry: Registry;
  backend: EtcdBackend;
  stop(): Promise<void>;
}

export async function startApiServer(cfg: ApiServerConfig): Promise<RunningApiServer> {
  const backend = new EtcdBackend({ endpoints: cfg.etcdEndpoints });
  const registry = new Registry(backend, cfg.admission ?? builtinAdmission, undefined, { eventTtlSeconds: cfg.eventTtlSeconds });
  try {
    await registry.start();
    await registry.bootstrap();
  } catch (err) {
    registry.stop();
    await backend.close();
    throw err;
  }
  const finalizer = new NamespaceFinalizer(registry, (m) => console.error(m));
  await finalizer.start();
  const server: Server = createHttpServer({
    registry,
    tls: cfg.tls,
    authenticate: tokenMatcher(cfg.tokens),
    ready: () => backend.currentRevision().then(() => true, () => false),
    version: KAPSTAN_VERSION,
    routes: cfg.routes,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  return {
    url: `https://${host}:${port}`,
    port,
    registry,
    backend,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      finalizer.stop();
      registry.stop();
      await backend.close();
    },
  };
}
