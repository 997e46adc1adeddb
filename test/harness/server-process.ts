// `kapstan server` as a real child process (bin/kapstan), for crash tests.
import { spawn } from 'node:child_process';
import { readFileSync, openSync, closeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { request, Endpoint } from './http';

export interface ServerProcess extends Endpoint {
  pid: number;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const ROOT = join(__dirname, '..', '..', '..');

export async function spawnServer(opts: {
  dataDir: string;
  port: number;
  etcdEndpoint?: string;
  etcdClientPort?: number;
  /** More `kapstan server` flags, e.g. --disable-controllers. */
  extraArgs?: string[];
}): Promise<ServerProcess> {
  const args = [join(ROOT, 'bin', 'kapstan'), 'server', '--data-dir', opts.dataDir, '--listen', `127.0.0.1:${opts.port}`];
  if (opts.etcdEndpoint) args.push('--etcd-endpoints', opts.etcdEndpoint);
  if (opts.etcdClientPort) args.push('--etcd-client-port', String(opts.etcdClientPort));
  if (opts.extraArgs) args.push(...opts.extraArgs);
  mkdirSync(opts.dataDir, { recursive: true });
  const log = openSync(join(opts.dataDir, 'server.log'), 'a');
  // KAPSTAN_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server in benchmarks.
  const nodeArgs = (process.env.KAPSTAN_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', log, log] });
  closeSync(log);
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve((code = c))));
  const pid = child.pid!;
  const url = `https://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 30_000;
  let ep: Endpoint | undefined;
  for (;;) {
    if (code !== undefined) throw new Error(`kapstan server exited with ${code}; see ${join(opts.dataDir, 'server.log')}`);
    try {
      ep ??= {
        url,
        token: readFileSync(join(opts.dataDir, 'tls', 'admin-token'), 'utf8').trim(),
        caPem: readFileSync(join(opts.dataDir, 'tls', 'ca.crt'), 'utf8'),
      };
      const res = await request(ep, 'GET', '/readyz', { token: null });
      if (res.status === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      throw new Error('kapstan server did not become ready within 30 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    ...ep!,
    pid,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (code !== undefined) return;
      process.kill(pid, signal);
      await exited;
    },
  };
}
