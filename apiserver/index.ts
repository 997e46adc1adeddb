// The apiserver as one component: storage, registry, HTTPS (and, for the
// server's own components, plain HTTP on a Unix socket). The command layer
// (cmd/) decides where etcd comes from and where the PKI lives.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:https';
import type { Server as HttpServer } from 'node:http';
import { chmodSync, rmSync } from 'node:fs';
import { EtcdBackend } from './storage/etcd-backend';
import { Registry } from './registry/registry';
import { createHttpServer, createLocalHttpServer, tokenMatcher, type ExtraRoute } from './http/server';
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
  /** A Unix socket serving the API in plain HTTP to the server's own components (mode 0600). */
  localSocket?: string;
}

export interface RunningApiServer {
  url: string;
  port: number;
  registry: Registry;
  backend: EtcdBackend;
  stop(): Promise<void>;
}

function listen(server: HttpServer, start: (done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    start(() => {
      server.off('error', reject);
      resolve();
    });
  });
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
  const serving = {
    registry,
    authenticate: tokenMatcher(cfg.tokens),
    ready: () => backend.currentRevision().then(() => true, () => false),
    version: KAPSTAN_VERSION,
    routes: cfg.routes,
  };
  const server: Server = createHttpServer({ ...serving, tls: cfg.tls });
  const servers: HttpServer[] = [server];
  try {
    await listen(server, (done) => server.listen(cfg.port, cfg.host, done));
    if (cfg.localSocket) {
      const local = createLocalHttpServer(serving);
      servers.push(local);
      const path = cfg.localSocket;
      rmSync(path, { force: true }); // left by a server that was killed
      await listen(local, (done) => local.listen(path, done));
      chmodSync(path, 0o600);
    }
  } catch (err) {
    for (const s of servers) s.close();
    finalizer.stop();
    registry.stop();
    await backend.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  return {
    url: `https://${host}:${port}`,
    port,
    registry,
    backend,
    async stop() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
      finalizer.stop();
      registry.stop();
      await backend.close();
    },
  };
}
