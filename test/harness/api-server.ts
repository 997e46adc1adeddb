// An apiserver on a real etcd for tests, in this process, with its own PKI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from '../../apiserver/pki';
import { startApiServer, RunningApiServer } from '../../apiserver';
import { startTestEtcd, TestEtcd } from './etcd';
import { destroyAgent, Endpoint } from './http';

export interface TestApiServer extends Endpoint {
  etcd: TestEtcd;
  /** The Unix socket serving plain HTTP, when asked for (`localSocket: true`). */
  localSocket?: string;
  server: RunningApiServer;
  dataDir: string;
  /** Starts another apiserver on the same etcd. */
  startPeer(): Promise<RunningApiServer>;
  stop(): Promise<void>;
}

export async function startTestApiServer(opts: { etcd?: TestEtcd; localSocket?: boolean } = {}): Promise<TestApiServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kap-api-'));
  const etcd = opts.etcd ?? (await startTestEtcd());
  const peers: RunningApiServer[] = [];
  try {
    const pki = await ensurePki(dataDir, { sans: ['127.0.0.1', 'localhost'] });
    const localSocket = opts.localSocket ? join(dataDir, 'apiserver.sock') : undefined;
    const start = (socket?: string) =>
      startApiServer({
        etcdEndpoints: [etcd.endpoint],
        host: '127.0.0.1',
        port: 0,
        tls: { certPem: pki.certPem, keyPem: pki.keyPem },
        tokens: [pki.adminToken],
        localSocket: socket,
      });
    // Peers share the data dir: only the first serves the socket.
    const server = await start(localSocket);
    const t: TestApiServer = {
      url: server.url,
      token: pki.adminToken,
      caPem: pki.caPem,
      etcd,
      server,
      dataDir,
      localSocket,
      async startPeer() {
        const p = await start();
        peers.push(p);
        return p;
      },
      async stop() {
        destroyAgent(t);
        try {
          for (const p of peers) await p.stop();
          await server.stop();
        } finally {
          if (!opts.etcd) await etcd.destroy();
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
    return t;
  } catch (err) {
    if (!opts.etcd) await etcd.destroy();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
