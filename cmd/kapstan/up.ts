// `kapstan up`: a whole single-node cluster in one foreground process tree,
// like `docker compose up`: control plane, a local agent, the user's
// manifests applied, then the app's logs until Ctrl-C. `-d` runs it in the
// background and `kapstan down` stops it.
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, appendFileSync, rmdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { findByKind } from '../../api/resources';
import type { KubeObject } from '../../api/types';
import { mergeContextIntoKubeconfig, kubeconfigPaths } from '../../client/kubeconfig';
import type { RestClient } from '../../client/rest-client';
import { main as kctl } from '../../kctl/main';
import { readManifests } from '../../kctl/manifests';
import { startControlPlane, ControlPlane } from './server';
import { startLocalAgent, waitForSignal } from './agent';
import { LogFollower } from './log-follower';
import { rememberIpForward, restoreIpForward } from './ip-forward';
import { manifestsFor } from './compose-manifests';
import { cgroupDirs } from '../../node-agent/runtime/cgroups';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..', '..');


export interface UpFlags {
  file?: string[];
  'data-dir'?: string;
  detach?: boolean;
  listen?: string;
  'etcd-client-port'?: string;
  'node-name'?: string;
  'no-color'?: boolean;
  profile?: string[];
}

export function defaultUpDataDir(): string {
  return process.env.KAPSTAN_DATA ?? join(homedir(), '.kapstan');
}

const PID_FILE = 'up.pid';
const READY_FILE = 'up.ready';

export async function runUp(flags: UpFlags, argv: string[]): Promise<number> {
  const dataDir = resolve(flags['data-dir'] ?? defaultUpDataDir());
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const running = runningPid(dataDir);
  if (running) {
    console.error(`kapstan: already up (pid ${running}); stop it with 'kapstan down --data-dir ${dataDir}'`);
    return 1;
  }
  if (flags.detach) return detach(dataDir, argv);

  const started = Date.now();
  const say = (msg: string) => process.stderr.write(`kapstan: ${msg}\n`);
  // Compose files are converted before anything starts, so a bad file costs nothing.
  let sources;
  try {
    sources = manifestsFor(flags.file ?? [], { cwd: process.cwd(), outDir: join(dataDir, 'compose'), volumesRoot: join(dataDir, 'volumes'), profiles: flags.profile });
  } catch (err) {
    say((err as Error).message);
    return 1;
  }
  for (const w of sources.warnings) say(`warning: ${w}`);
  // Components log to a file; the terminal shows progress and the app's logs.
  const logFile = join(dataDir, 'kapstan.log');
  const componentLog = (msg: string) => appendFileSync(logFile, `${new Date().toISOString()} ${msg}\n`);
  rmSync(join(dataDir, READY_FILE), { force: true });
  writeFileSync(join(dataDir, PID_FILE), String(process.pid));

  let cp: ControlPlane | undefined;
  let stopAgent: (() => Promise<void>) | undefined;
  try {
    cp = await startControlPlane(
      { 'data-dir': join(dataDir, 'server'), listen: flags.listen, 'etcd-client-port': flags['etcd-client-port'] },
      componentLog,
    );
    const agentDir = join(dataDir, 'agent');
    await ensureBaseImages(agentDir, dataDir, say);
    rememberIpForward(dataDir); // the pod bridge turns forwarding on; `down` puts it back
    const agent = await startLocalAgent({
      server: cp.url,
      token: cp.nodeToken,
      nodeName: flags['node-name'],
      dataDir: agentDir,
      caPem: cp.caPem,
      agentPort: String(cp.agentPort),
      log: componentLog,
    });
    stopAgent = () => agent.stop();
    await waitForNodeReady(cp.client, agent.nodeName);
    say(`node ${agent.nodeName} is Ready (${Date.now() - started} ms); logs of the system in ${logFile}`);

    const kubeconfig = kubeconfigPaths().paths[0];
    mergeContextIntoKubeconfig(kubeconfig, 'kapstan', { server: cp.url, caPem: cp.caPem, token: cp.adminToken });
    say(`context "kapstan" set in ${kubeconfig}`);

    const files = sources.files;
    const namespaces = new Set<string>(['default']);
    if (files.length) {
      const code = await kctl(['apply', '--kubeconfig', cp.kubeconfigPath, ...files.flatMap((f) => ['-f', f])]);
      if (code !== 0) throw new Error('applying the manifests failed; nothing more to run');
      const { manifests } = await readManifests(files, false, async () => '');
      for (const m of manifests) if (m.object.metadata?.namespace) namespaces.add(m.object.metadata.namespace);
    }
    writeFileSync(join(dataDir, READY_FILE), new Date().toISOString());

    const follower = new LogFollower(join(agentDir, 'pods'), (line) => process.stdout.write(line + '\n'), !flags['no-color'] && Boolean(process.stdout.isTTY));
    follower.start();
    const watch = await followPods(cp.client, agent.nodeName, namespaces, follower, say);
    await waitForSignal(say);
    watch.close();
    follower.stop();
    say('stopping the app\'s containers');
    await agent.stopPods();
    await agent.stop();
    stopAgent = undefined;
    await agent.removeNetwork();
    return 0;
  } finally {
    await stopAgent?.().catch((err) => say(`stopping the agent: ${(err as Error).message}`));
    await cp?.stop().catch((err) => say(`stopping the control plane: ${(err as Error).message}`));
    removeEmptyCgroupParents();
    restoreIpForward(dataDir, say);
    rmSync(join(dataDir, PID_FILE), { force: true });
    rmSync(join(dataDir, READY_FILE), { force: true });
    say('stopped');
  }
}

/** `kapstan down`: stops a cluster started with `kapstan up -d`. */
export async function runDown(flags: { 'data-dir'?: string }): Promise<number> {
  const dataDir = resolve(flags['data-dir'] ?? defaultUpDataDir());
  const pid = runningPid(dataDir);
  if (!pid) {
    console.error(`kapstan: nothing is up in ${dataDir}`);
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 120_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      console.error(`kapstan: pid ${pid} did not stop within 120 s`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error('kapstan: down');
  return 0;
}

async function detach(dataDir: string, argv: string[]): Promise<number> {
  const args = argv.filter((a) => a !== '-d' && a !== '--detach');
  const out = openSync(join(dataDir, 'up.out'), 'a');
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'kapstan'), ...args, '--data-dir', dataDir, '--no-color'], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  const deadline = Date.now() + 120_000;
  while (!existsSync(join(dataDir, READY_FILE))) {
    if (child.exitCode !== null || !isAlive(child.pid!)) {
      console.error(`kapstan: up failed; see ${join(dataDir, 'up.out')}`);
      return 1;
    }
    if (Date.now() > deadline) {
      console.error(`kapstan: not ready within 120 s; see ${join(dataDir, 'up.out')}`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error(`kapstan: up in the background (pid ${child.pid}); logs in ${join(dataDir, 'up.out')}; stop with 'kapstan down'`);
  return 0;
}

/** The base images (busybox) from Debian's busybox-static, imported once into the local store. */
async function ensureBaseImages(agentDir: string, dataDir: string, say: (m: string) => void): Promise<void> {
  const marker = join(agentDir, 'images', '.base-images');
  if (existsSync(marker)) return;
  say('building the base images (busybox:1.35) from Debian packages');
  await run(process.execPath, [join(ROOT, 'scripts', 'images-base.mjs'), '--out', join(dataDir, 'base-images', 'busybox'), '--import', join(agentDir, 'images')]);
  writeFileSync(marker, new Date().toISOString());
}

async function waitForNodeReady(client: RestClient, nodeName: string): Promise<void> {
  const nodes = findByKind('v1', 'Node')!;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const node = await client.get(nodes, undefined, nodeName);
      const conditions = ((node.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []);
      if (conditions.some((c) => c.type === 'Ready' && c.status === 'True')) return;
    } catch {
      // not registered yet
    }
    if (Date.now() > deadline) throw new Error(`node ${nodeName} did not become Ready within 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Prints each pod's progress and follows the logs of its containers. */
async function followPods(client: RestClient, nodeName: string, namespaces: Set<string>, follower: LogFollower, say: (m: string) => void) {
  const pods = findByKind('v1', 'Pod')!;
  const lastSeen = new Map<string, string>();
  const stream = await client.watch<KubeObject>(pods, undefined, { fieldSelector: `spec.nodeName=${nodeName}` });
  (async () => {
    for await (const ev of stream) {
      const pod = ev.object;
      const ns = pod.metadata.namespace ?? 'default';
      if (!namespaces.has(ns) || !pod.metadata.uid) continue;
      const uid = pod.metadata.uid;
      if (ev.type === 'DELETED') {
        follower.forget(uid);
        lastSeen.delete(uid);
        say(`${pod.metadata.name}: deleted`);
        continue;
      }
      const spec = pod.spec as { containers?: { name: string }[] };
      for (const c of spec.containers ?? []) follower.follow({ podUid: uid, podName: pod.metadata.name!, container: c.name });
      const state = podState(pod);
      if (lastSeen.get(uid) !== state) {
        lastSeen.set(uid, state);
        say(`${pod.metadata.name}: ${state}`);
      }
    }
  })().catch((err) => say(`pod watch ended: ${(err as Error).message}`));
  return stream;
}

function podState(pod: KubeObject): string {
  const status = (pod.status ?? {}) as {
    phase?: string;
    containerStatuses?: { state?: { waiting?: { reason?: string }; terminated?: { reason?: string } } }[];
  };
  for (const cs of status.containerStatuses ?? []) {
    const reason = cs.state?.waiting?.reason ?? cs.state?.terminated?.reason;
    if (reason) return reason;
  }
  return pod.metadata.deletionTimestamp ? 'Terminating' : status.phase ?? 'Pending';
}

function runningPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8'));
    return pid && pid !== process.pid && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The agent's parent cgroups (`kapstan`) once no pod is left in them. */
function removeEmptyCgroupParents(): void {
  for (const d of cgroupDirs('kapstan')) {
    try {
      rmdirSync(d);
    } catch {
      // not empty (pods of another agent) or absent
    }
  }
}
