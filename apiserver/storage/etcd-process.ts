// Starts and supervises an etcd child process: the embedded store of a
// single-server cluster, and the real etcd that tests run against.
import { spawn, ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';

export interface EtcdProcessOptions {
  dataDir: string;
  clientPort: number;
  peerPort: number;
  host?: string; // default 127.0.0.1
  name?: string;
  binary?: string;
  /** Where etcd's own log goes; defaults to DATADIR/etcd.log. */
  logFile?: string;
  /** Extra flags, e.g. for a member joining a cluster. */
  extraArgs?: string[];
}

export interface EtcdProcess {
  readonly endpoint: string;
  readonly pid: number;
  /** Resolves when etcd has exited. */
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startEtcd(opts: EtcdProcessOptions): Promise<EtcdProcess> {
  const host = opts.host ?? '127.0.0.1';
  const name = opts.name ?? 'kapstan';
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const logPath = opts.logFile ?? join(opts.dataDir, 'etcd.log');
  const logFd = openSync(logPath, 'a');
  const clientUrl = `http://${host}:${opts.clientPort}`;
  const peerUrl = `http://${host}:${opts.peerPort}`;
  const args = [
    '--name', name,
    '--data-dir', join(opts.dataDir, 'data'),
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `${name}=${peerUrl}`,
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', `kapstan-${name}`,
    '--quota-backend-bytes', String(2 * 1024 * 1024 * 1024),
    '--max-request-bytes', String(3 * 1024 * 1024),
    '--auto-compaction-mode', 'periodic',
    '--auto-compaction-retention', '5m',
    // Every Kapstan write is a transaction, and etcd 3.4 starts each one by
    // copying the buffer of writes not yet committed to its backend (up to
    // 100 ms of them by default): at a few thousand writes a second that copy
    // made a transaction cost etcd twice a put. Committing every 100 writes
    // keeps the buffer small: ~40% less etcd CPU per transaction, plain puts
    // unchanged (bench:api; durability is the WAL's, not this batch's).
    '--backend-batch-limit', '100',
    ...(opts.extraArgs ?? []),
  ];
  const child: ChildProcess = spawn(opts.binary ?? 'etcd', args, {
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH ?? '' },
  });
  closeSync(logFd);
  if (child.pid === undefined) throw new Error(`could not start etcd (is Debian's etcd-server installed?)`);
  const pid = child.pid;
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
    child.once('error', () => resolve(-1));
  });

  await waitForPort(host, opts.clientPort, 15_000, () => exitCode !== undefined);
  if (exitCode !== undefined) throw new Error(`etcd exited with ${exitCode} during start; see ${logPath}`);

  return {
    endpoint: clientUrl,
    pid,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (exitCode !== undefined) return;
      process.kill(pid, signal);
      const timer = setTimeout(() => {
        if (exitCode === undefined) process.kill(pid, 'SIGKILL');
      }, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForPort(host: string, port: number, timeoutMs: number, gaveUp: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gaveUp()) return;
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, host);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`etcd did not listen on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
