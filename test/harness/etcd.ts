// A real etcd for tests: a free loopback port, a temporary data dir, stopped
// by PID and its directory removed however the test ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd, EtcdProcess } from '../../apiserver/storage/etcd-process';
import { freePort } from './ports';

export interface TestEtcd {
  endpoint: string;
  pid: number;
  dataDir: string;
  process: EtcdProcess;
  /** Stops etcd (SIGTERM, or SIGKILL for crash tests) but keeps its data. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops it and removes the data dir. */
  destroy(): Promise<void>;
}

export async function startTestEtcd(): Promise<TestEtcd> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kap-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const opts = { dataDir, clientPort, peerPort, name: 'kaptest' };
  let proc: EtcdProcess;
  try {
    proc = await startEtcd(opts);
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const t: TestEtcd = {
    endpoint: proc.endpoint,
    pid: proc.pid,
    dataDir,
    process: proc,
    async stop(signal) {
      await t.process.stop(signal);
    },
    async restart() {
      t.process = await startEtcd(opts); // an existing data dir ignores the initial-cluster flags
      t.pid = t.process.pid;
    },
    async destroy() {
      try {
        await t.process.stop();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
  return t;
}
