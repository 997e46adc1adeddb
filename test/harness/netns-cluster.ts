// Multi-machine clusters for end-to-end tests: `kapstan server` and
// `kapstan agent` as real processes inside simulated machines (network
// namespaces of a NetnsLab on one test segment, 10.250.0.0/24), each with its
// own data dir and log. The test process stays in the host namespace and
// reaches a machine's ports through forward(): a loopback listener here, a
// relay inside the machine, joined by a unix socket (paths cross namespaces,
// packets never leave loopback or the lab). cleanup() stops every process by
// PID (its whole process group: etcd children, shims), unmounts, removes pod
// cgroups and the namespaces, even when the test failed half-way.
//
// Processes are entered with `nsenter --net` rather than `ip netns exec`: the
// latter remounts /sys in a private mount namespace, which hides the cgroup
// hierarchies the agent needs.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import { NetnsLab } from '../network/netns-harness';
import { stopEverythingUnder } from './cleanup';
import { request, destroyAgent, type Endpoint } from './http';

const ROOT = join(__dirname, '..', '..', '..');
export const KAPSTAN_BIN = join(ROOT, 'bin', 'kapstan');

export interface Machine {
  /** Short name, e.g. "s1"; used in data dir and log names. */
  name: string;
  /** The netns path, for nsenter --net. */
  ns: string;
  /** Its address on the test segment. */
  ip: string;
}

export interface KapstanProcess {
  kind: 'server' | 'agent';
  machine: Machine;
  dataDir: string;
  logPath: string;
  args: string[];
  pid: number;
  exited: Promise<number | null>;
  /** True once the process has exited. */
  readonly done: boolean;
  log(): string;
  /** SIGTERM (or the given signal) to the process only, then wait for it (SIGKILL to its group after 30 s, as the systemd units). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL to its whole process group (the process and its etcd): a lost machine. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Extra arguments after the command's defaults. */
  args?: string[];
  /** Reuse this data dir (a restart); default: a fresh one named after the machine. */
  dataDir?: string;
  /** Resolve once started instead of waiting for readiness (for processes expected to fail). */
  noWait?: boolean;
  /** How long to wait for readiness (default 60 s). */
  timeoutMs?: number;
}

export interface ServerEndpoint extends Endpoint {
  server: KapstanProcess;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class NetnsCluster {
  readonly lab = new NetnsLab();
  readonly dir = this.lab.dir;
  private segment?: string;
  private readonly processes: KapstanProcess[] = [];
  private readonly forwards: Server[] = [];
  private readonly endpoints: Endpoint[] = [];

  constructor() {
    this.lab.guardHost();
  }

  /** A simulated machine on the test segment, e.g. machine('s1', '10.250.0.1'). */
  machine(name: string, ip: string): Machine {
    if (!/^10\.250\.0\.\d{1,3}$/.test(ip)) throw new Error(`test machines live in 10.250.0.0/24, got ${ip}`);
    this.segment ??= this.lab.segment();
    const ns = this.lab.machine(name);
    this.lab.wire(this.segment, ns, ip);
    return { name, ns, ip };
  }

  /**
   * Cuts the machine off the segment (its switch port goes down, as a pulled
   * cable: no resets, packets just stop), or connects it again.
   */
  setConnected(m: Machine, connected: boolean): void {
    if (!this.segment) throw new Error('no segment yet');
    this.lab.exec(this.segment, ['ip', 'link', 'set', `kaps${m.ip.split('.')[3]}`, connected ? 'up' : 'down']);
  }

  /**
   * `kapstan server --listen IP:6443` on the machine; resolves when it prints
   * that it is ready (or rejects with its log when it exits first).
   */
  async startServer(m: Machine, opts: StartOptions = {}): Promise<KapstanProcess> {
    const dataDir = opts.dataDir ?? join(this.dir, `${m.name}-server`);
    const args = ['server', '--data-dir', dataDir, '--listen', `${m.ip}:6443`, ...(opts.args ?? [])];
    const proc = this.spawn('server', m, dataDir, args);
    if (!opts.noWait) await this.waitForLog(proc, /kapstan server ready/, opts.timeoutMs ?? 60_000);
    return proc;
  }

  /**
   * `kapstan agent --server URL... --token T --node-name NAME --node-ip IP` on the
   * machine; resolves once the agent has registered (see waitNodeReady for Ready).
   */
  async startAgent(m: Machine, servers: string | string[], token: string, opts: StartOptions & { nodeName?: string } = {}): Promise<KapstanProcess> {
    const dataDir = opts.dataDir ?? join(this.dir, `${m.name}-agent`);
    const args = ['agent', '--data-dir', dataDir, '--token', token, '--node-name', opts.nodeName ?? `kap-${m.name}`, '--node-ip', m.ip];
    for (const s of Array.isArray(servers) ? servers : [servers]) args.push('--server', s);
    args.push(...(opts.args ?? []));
    const proc = this.spawn('agent', m, dataDir, args);
    if (!opts.noWait) await this.waitForLog(proc, /agent for node \S+ running/, opts.timeoutMs ?? 60_000);
    return proc;
  }

  /** Starts the same process again with its data dir and arguments (a reboot). */
  async restart(proc: KapstanProcess, opts: Pick<StartOptions, 'noWait' | 'timeoutMs'> = {}): Promise<KapstanProcess> {
    if (!proc.done) throw new Error(`${proc.kind} on ${proc.machine.name} is still running`);
    const again = this.spawn(proc.kind, proc.machine, proc.dataDir, proc.args);
    if (!opts.noWait) {
      const ready = proc.kind === 'server' ? /kapstan server ready/ : /agent for node \S+ running/;
      await this.waitForLog(again, ready, opts.timeoutMs ?? 60_000);
    }
    return again;
  }

  /**
   * A loopback port here that reaches host:port as seen from inside the
   * machine (e.g. its own API, or another machine's etcd).
   */
  async forward(from: Machine, host: string, port: number): Promise<number> {
    const sock = join(this.dir, `fwd-${from.name}-${host}-${port}-${this.forwards.length}.sock`);
    const relay = [
      "const net = require('net');",
      `net.createServer((c) => { const t = net.connect(${port}, ${JSON.stringify(host)});`,
      "c.pipe(t); t.pipe(c); c.on('error', () => t.destroy()); t.on('error', () => c.destroy()); }).listen(process.argv[1]);",
    ].join(' ');
    const child = this.lab.serve(from.ns, [process.execPath, '-e', relay, sock]);
    for (let i = 0; !existsSync(sock); i++) {
      if (child.exitCode !== null || i > 200) throw new Error(`relay in ${from.name} to ${host}:${port} did not start`);
      await sleep(25);
    }
    const server = createServer((c) => {
      const t = connect(sock);
      c.pipe(t);
      t.pipe(c);
      c.on('error', () => t.destroy());
      t.on('error', () => c.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.forwards.push(server);
    return (server.address() as { port: number }).port;
  }

  /** An admin endpoint (for test/harness/http.ts) to a server's API, through a forward. */
  async api(server: KapstanProcess): Promise<ServerEndpoint> {
    const port = await this.forward(server.machine, server.machine.ip, 6443);
    const tls = join(server.dataDir, 'tls');
    const ep = {
      url: `https://127.0.0.1:${port}`,
      token: readFileSync(join(tls, 'admin-token'), 'utf8').trim(),
      caPem: readFileSync(join(tls, 'ca.crt'), 'utf8'),
      server,
    };
    this.endpoints.push(ep);
    return ep;
  }

  /** The join token a server wrote to DATA/node-token. */
  nodeToken(server: KapstanProcess): string {
    return readFileSync(join(server.dataDir, 'node-token'), 'utf8').trim();
  }

  /** Waits until the Node reports Ready=True; returns the Node. */
  async waitNodeReady(ep: Endpoint, nodeName: string, timeoutMs = 60_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const res = await request(ep, 'GET', `/api/v1/nodes/${nodeName}`).catch((err) => ({ status: 0, body: undefined, text: String(err) }));
      const ready = res.body?.status?.conditions?.find((c: { type: string }) => c.type === 'Ready');
      if (ready?.status === 'True') return res.body;
      last = ready ? `${ready.status} (${ready.reason})` : `HTTP ${res.status}`;
      await sleep(200);
    }
    throw new Error(`node ${nodeName} not Ready within ${timeoutMs} ms (last: ${last})`);
  }

  /** Waits until the process's log (after `from` characters) matches. */
  async waitForLog(proc: KapstanProcess, pattern: RegExp, timeoutMs: number, from = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(proc.log().slice(from))) {
      if (proc.done) throw new Error(`${proc.kind} on ${proc.machine.name} exited before ${pattern}:\n${tail(proc.log())}`);
      if (Date.now() > deadline) throw new Error(`${proc.kind} on ${proc.machine.name} not ready (${pattern}) within ${timeoutMs} ms:\n${tail(proc.log())}`);
      await sleep(50);
    }
  }

  /** Every process's log tail, for a failure message. */
  logs(): string {
    return this.processes.map((p) => `--- ${p.kind} on ${p.machine.name} (pid ${p.pid}) ---\n${tail(p.log())}`).join('\n');
  }

  private spawn(kind: 'server' | 'agent', m: Machine, dataDir: string, args: string[]): KapstanProcess {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // One log per process start, so each process's log() is its own.
    const logPath = join(this.dir, `${m.name}-${kind}-${this.processes.length}.log`);
    const fd = openSync(logPath, 'a');
    // Its own process group, so kill() takes the managed etcd with it (shims
    // leave the group on their own and are found under the data dir at cleanup).
    const child: ChildProcess = spawn('nsenter', [`--net=${m.ns}`, '--', process.execPath, KAPSTAN_BIN, ...args], {
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    let done = false;
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code, signal) => {
        done = true;
        resolve(code ?? (signal ? -1 : null));
      });
    });
    const pid = child.pid!;
    const proc: KapstanProcess = {
      kind, machine: m, dataDir, logPath, args, pid, exited,
      get done() { return done; },
      log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
      async stop(signal: NodeJS.Signals = 'SIGTERM') {
        if (done) return exited;
        process.kill(pid, signal);
        const timer = setTimeout(() => !done && killGroup(pid), 30_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      },
      async kill() {
        killGroup(pid);
        await exited;
      },
    };
    this.processes.push(proc);
    return proc;
  }

  async cleanup(): Promise<void> {
    for (const ep of this.endpoints) destroyAgent(ep);
    for (const s of this.forwards) s.close();
    // Agents first (graceful, so they release what they can), then servers.
    const order = [...this.processes.filter((p) => p.kind === 'agent'), ...this.processes.filter((p) => p.kind === 'server')];
    for (const p of order) await p.stop().catch(() => undefined);
    const dataDirs = [...new Set(this.processes.map((p) => p.dataDir))];
    for (const d of dataDirs) await stopEverythingUnder(d);
    for (const d of dataDirs) removePodCgroups(d);
    await this.lab.cleanup();
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function tail(text: string, chars = 4000): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}

/** Removes the cgroups of the pods an agent ran (kapstan/pod<uid> in every hierarchy). */
function removePodCgroups(agentDataDir: string): void {
  const podsDir = join(agentDataDir, 'pods');
  if (!existsSync(podsDir)) return;
  const uids = readdirSync(podsDir);
  const roots = readFileSync('/proc/mounts', 'utf8').split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2] === 'cgroup' || f[2] === 'cgroup2')
    .map((f) => f[1]);
  for (const root of roots) for (const uid of uids) removeTree(join(root, 'kapstan', `pod${uid}`));
}

function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    // still has processes: the PIDs were killed above, so this is rare; leave it visible
  }
}
