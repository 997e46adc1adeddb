// A real Debian docker-registry on a free loopback port with its own temp config and storage,
// stopped by PID. Optional token auth, for Bearer-challenge tests.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../harness/ports';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface TokenAuthConfig {
  realm: string;
  service: string;
  issuer: string;
  rootCertPem: string;
}

export interface TestRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Why the registry tests cannot run here, or undefined when they can. */
export function registryUnavailable(): string | undefined {
  return existsSync(REGISTRY_BINARY) ? undefined : `${REGISTRY_BINARY} missing (apt-get install -y docker-registry)`;
}

async function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startRegistry(opts: { tokenAuth?: TokenAuthConfig } = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'kap-registry-'));
  const port = await freePort();
  const auth = opts.tokenAuth;
  if (auth) await writeFile(join(dir, 'root.crt'), auth.rootCertPem);
  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    ...(auth ? [
      'auth:',
      '  token:',
      `    realm: ${auth.realm}`,
      `    service: ${auth.service}`,
      `    issuer: ${auth.issuer}`,
      `    rootcertbundle: ${join(dir, 'root.crt')}`,
    ] : []),
  ].join('\n');
  await writeFile(join(dir, 'config.yml'), `${config}\n`);
  const log = openSync(join(dir, 'registry.log'), 'a');
  const child = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', log, log] });
  closeSync(log);
  const pid = child.pid!;
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!(await waitExit(child, 0))) {
      process.kill(pid, 'SIGTERM');
      if (!(await waitExit(child, 5000))) {
        process.kill(pid, 'SIGKILL');
        await waitExit(child, 5000);
      }
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited: ${readFileSync(join(dir, 'registry.log'), 'utf8').slice(-500)}`);
      try {
        const res = await fetch(`${url}/v2/`);
        await res.body?.cancel();
        if (res.status === 200 || res.status === 401) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error('docker-registry did not start within 15 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: `127.0.0.1:${port}`, url, pid, stop };
}
