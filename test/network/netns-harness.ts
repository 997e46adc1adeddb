// Kernel fixtures for network tests: simulated machines and pods as network
// namespaces with `kap` names, host-side `unreachable` guards for the cluster
// ranges, and a background process per server, all undone by cleanup().
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const GUARDED_CIDRS = ['10.244.0.0/16', '10.96.0.0/16', '10.250.0.0/24'];

const sh = (argv: string[]) => execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export class NetnsLab {
  readonly dir = mkdtempSync(join(tmpdir(), 'kap-netlab-'));
  readonly tag = randomBytes(3).toString('hex');
  private readonly undo: Array<() => unknown> = [];

  /**
   * Host routes that drop anything for the test ranges. Each lab adds its own,
   * at a metric of its own (never 0, so they never shadow an agent's bridge
   * routes, and never the agent's 4096), so that removing one lab's guards
   * leaves every other lab's and agent's in place.
   */
  guardHost(): void {
    for (const cidr of GUARDED_CIDRS) {
      for (let attempt = 0; ; attempt++) {
        const metric = String(1000 + Math.floor(Math.random() * 3000));
        try {
          sh(['ip', 'route', 'add', 'unreachable', cidr, 'metric', metric]);
        } catch (err) {
          // Another lab drew the same metric: draw again.
          if (attempt < 20 && /File exists/.test(String((err as { stderr?: unknown }).stderr))) continue;
          throw err;
        }
        this.undo.push(() => sh(['ip', 'route', 'del', 'unreachable', cidr, 'metric', metric]));
        break;
      }
    }
  }

  /** A named netns (a simulated machine), at /run/netns/kapn<tag><suffix>. */
  machine(suffix: string): string {
    const name = `kapn${this.tag}${suffix}`;
    sh(['ip', 'netns', 'add', name]);
    this.undo.push(() => sh(['ip', 'netns', 'del', name]));
    sh(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    return `/run/netns/${name}`;
  }

  /**
   * A test L2 segment: a bridge `kapsw` in its own netns (never the host's), to which
   * machine() namespaces are wired with an address from 10.250.0.0/24.
   */
  segment(): string {
    const sw = this.machine('sw');
    this.exec(sw, ['ip', 'link', 'add', 'kapsw', 'type', 'bridge']);
    this.exec(sw, ['ip', 'link', 'set', 'kapsw', 'up']);
    return sw;
  }

  /** Connects a machine to the segment as `kapeth0` with this address (/24). */
  wire(segment: string, machine: string, address: string): void {
    const port = `kaps${address.split('.')[3]}`;
    this.exec(segment, ['ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'kapeth0', 'netns', machine]);
    this.exec(segment, ['ip', 'link', 'set', port, 'master', 'kapsw', 'up']);
    this.exec(machine, ['ip', 'addr', 'add', `${address}/24`, 'dev', 'kapeth0']);
    this.exec(machine, ['ip', 'link', 'set', 'kapeth0', 'up']);
  }

  /** A pod's namespace, bind-mounted on a file as the agent's sandbox does. */
  pod(name: string): string {
    const path = join(this.dir, `${name}.net`);
    writeFileSync(path, '');
    sh(['unshare', `--net=${path}`, 'true']);
    this.undo.push(() => sh(['umount', path]));
    return path;
  }

  /** A long-running command inside a namespace, stopped by PID at cleanup. */
  serve(netnsPath: string, argv: string[]): ChildProcess {
    const child = spawn('nsenter', [`--net=${netnsPath}`, '--', ...argv], { stdio: 'ignore' });
    this.undo.push(() => {
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    });
    return child;
  }

  /** Runs a command in a namespace; resolves with stdout, rejects on failure. */
  exec(netnsPath: string, argv: string[]): string {
    return sh(['nsenter', `--net=${netnsPath}`, '--', ...argv]);
  }

  /** Registers an extra undo step (run before those registered earlier). */
  onCleanup(fn: () => void | Promise<void>): void {
    this.undo.push(fn);
  }

  async cleanup(): Promise<void> {
    const errors: unknown[] = [];
    for (const fn of this.undo.reverse()) {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    }
    this.undo.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
    if (errors.length) throw new AggregateError(errors, 'network lab cleanup failed');
  }
}

/** Names of links matching `kap` in a namespace (or the host). */
export function kapLinks(netnsPath?: string): string[] {
  const argv = ['ip', '-j', 'link', 'show'];
  const out = netnsPath ? sh(['nsenter', `--net=${netnsPath}`, '--', ...argv]) : sh(argv);
  return (JSON.parse(out) as Array<{ ifname: string }>).map((l) => l.ifname).filter((n) => n.startsWith('kap'));
}

/** GET http://ip:port/index.html from inside a namespace with busybox nc, retried while the server starts. */
export async function httpGet(lab: NetnsLab, from: string, ip: string, port: number): Promise<string> {
  let lastErr: unknown;
  for (let i = 0; i < 50; i++) {
    try {
      const out = lab.exec(from, ['sh', '-c', `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 2 ${ip} ${port}`]);
      if (out.includes('200 OK')) return out.slice(out.indexOf('\r\n\r\n') + 4);
      lastErr = new Error(`unexpected answer: ${out}`);
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw lastErr;
}
