// The agent's containers on disk and in the kernel. Everything the agent knows about a pod lives under
// DATA/pods/<uid>/, so a new agent process reads back the same state (the shim's state files) and
// re-adopts running containers instead of starting them again:
//
//   pod.json                      the pod as last seen (to stop it even when the API has forgotten it)
//   sandbox/{net,ipc,uts}         the pod's shared namespaces (pod-sandbox.ts)
//   containers/<name>/<attempt>/  attempt.json (id, image), bundle/, rootfs/ (overlay), upper/, work/,
//                                 state/ (the shim's), container.log, final.json (state kept after delete)
//   volumes/<plugin>/<name>/      the pod's volumes (volumes/pod-volumes.ts); volume-subpaths/ their subPath binds
//   etc-hosts, resolv.conf        the pod's /etc files (pod-files.ts)
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeBundle } from '../runtime/bundle';
import { removeCgroup } from '../runtime/cgroups';
import { buildOciSpec, HOST_NETWORK, needsInit, type OciMount } from '../runtime/oci-spec';
import { mountAll, overlayMounts, unmount } from '../runtime/overlay';
import { readShimState, readShimStateSync, type ShimClient, type ShimState } from '../runtime/shim-client';
import { containerRunConfig, type ImageUserFiles, type PodFacts } from './container-config';
import type { ResolvedImage } from './image-provider';
import { containerSpecHash } from './pod-actions';
import { ensureSandbox, mountPoints, podHostname, removeSandbox, type SandboxPaths } from './pod-sandbox';
import type { ContainerSpec, Pod } from './pod-types';
import type { ContainerAttempt } from './runtime-state';
import { tearDownVolumes } from './volumes/pod-volumes';

interface AttemptRecord {
  name: string;
  attempt: number;
  containerId: string;
  imageId: string;
  specHash: string;
  stopSignal?: string;
}

export interface ContainerRuntimeOptions {
  dataDir: string;
  shim: ShimClient;
  /** Top cgroup of every pod (kapstan/pod<uid>/<container> below it). */
  cgroupParent?: string;
  logMaxSize?: number;
  logMaxFiles?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value));
}

async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

function listDirSync(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export class ContainerRuntime {
  readonly podsDir: string;
  private readonly cgroupParent: string;
  /** Digest of the pod.json each pod has on disk, so an unchanged pod is not written again. */
  private readonly savedPods = new Map<string, string>();
  /** attempt.json by attempt directory: written once before the shim starts, read by every relist. */
  private readonly attemptRecords = new Map<string, AttemptRecord>();

  constructor(private readonly opts: ContainerRuntimeOptions) {
    this.podsDir = join(opts.dataDir, 'pods');
    this.cgroupParent = `/${(opts.cgroupParent ?? 'kapstan').replace(/^\/+|\/+$/g, '')}`;
  }

  /** The helper that runs the containers (for exec in them: probes and hooks). */
  get shim(): ShimClient {
    return this.opts.shim;
  }

  podDir(uid: string): string {
    return join(this.podsDir, uid);
  }

  attemptDir(uid: string, name: string, attempt: number): string {
    return join(this.podDir(uid), 'containers', name, String(attempt));
  }

  podCgroup(uid: string): string {
    return `${this.cgroupParent}/pod${uid}`;
  }

  containerCgroup(uid: string, name: string): string {
    return `${this.podCgroup(uid)}/${name}`;
  }

  async savePod(pod: Pod): Promise<void> {
    const dir = this.podDir(pod.metadata.uid!);
    const json = JSON.stringify(pod);
    // Every sync saves the pod; most syncs (relist, probes, back-off wake-ups) see it unchanged.
    const digest = createHash('sha256').update(json).digest('base64');
    if (this.savedPods.get(pod.metadata.uid!) === digest && existsSync(dir)) return;
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, 'pod.json'), json);
    this.savedPods.set(pod.metadata.uid!, digest);
  }

  /** The pods this node has containers or directories for, as last saved. */
  async listPods(): Promise<Pod[]> {
    const pods: Pod[] = [];
    for (const uid of await listDir(this.podsDir)) {
      const pod = await readJson<Pod>(join(this.podDir(uid), 'pod.json'));
      if (pod) pods.push(pod);
    }
    return pods;
  }

  /** nodeName is the hostname of hostNetwork pods (Kubernetes gives them the node's). */
  async ensureSandbox(pod: Pod, nodeName?: string): Promise<SandboxPaths & { created: boolean }> {
    const hostNetwork = pod.spec.hostNetwork === true;
    const hostname = hostNetwork && nodeName ? podHostname(nodeName) : podHostname(pod.spec.hostname || pod.metadata.name || '');
    return ensureSandbox(this.sandboxDir(pod.metadata.uid!), hostname, hostNetwork);
  }

  sandboxDir(uid: string): string {
    return join(this.podDir(uid), 'sandbox');
  }

  /**
   * Every attempt of every container of the pod, from the shim state files (or what was kept of them).
   * Directories and state files are read synchronously (see readShimStateSync): every sync and the
   * relist of every pod each second come here.
   */
  async readPodState(uid: string): Promise<ContainerAttempt[]> {
    const out: ContainerAttempt[] = [];
    const containersDir = join(this.podDir(uid), 'containers');
    for (const name of listDirSync(containersDir)) {
      for (const n of listDirSync(join(containersDir, name))) {
        const attempt = await this.readAttempt(join(containersDir, name, n));
        if (attempt) out.push(attempt);
      }
    }
    return out;
  }

  private async readAttempt(dir: string): Promise<ContainerAttempt | null> {
    const record = this.attemptRecords.get(dir) ?? await readJson<AttemptRecord>(join(dir, 'attempt.json'));
    if (!record) return null;
    this.attemptRecords.set(dir, record);
    let state: ShimState | null = readShimStateSync(join(dir, 'state'));
    // A monitor that died without recording the exit: ask the shim, which reports it stopped with an error.
    if (state && state.status !== 'stopped' && !alive(state.monitorPid)) state = await this.opts.shim.state(join(dir, 'state'));
    state ??= await readJson<ShimState>(join(dir, 'final.json'));
    const base = {
      name: record.name, attempt: record.attempt, containerId: record.containerId, imageId: record.imageId, specHash: record.specHash,
      ...(record.stopSignal ? { stopSignal: record.stopSignal } : {}),
    };
    if (!state && !(await readJson<AttemptRecord>(join(dir, 'attempt.json')))) {
      this.attemptRecords.delete(dir); // the cached record of an attempt removed behind our back
      return null;
    }
    if (!state) return { ...base, status: 'unknown', pid: 0, startedAt: null, finishedAt: null, exitCode: null, signal: 0, oomKilled: false };
    return {
      ...base, status: state.status, pid: state.pid, startedAt: state.startedAt, finishedAt: state.finishedAt,
      exitCode: state.exitCode, signal: state.signal, oomKilled: state.oomKilled,
    };
  }

  /**
   * Starts one attempt of a container: its overlay over the image layers, its bundle, the shim.
   * Earlier attempts are reduced to their final state and log first (they share the cgroup path); the
   * caller stops a running one first, or it is killed here.
   */
  async startContainer(
    pod: Pod, c: ContainerSpec, attempt: number, image: ResolvedImage, facts: PodFacts, sandbox: SandboxPaths, mounts: OciMount[] = [],
  ): Promise<ContainerAttempt> {
    const uid = pod.metadata.uid!;
    await this.retireAttempts(uid, c.name, attempt);
    const dir = this.attemptDir(uid, c.name, attempt);
    await this.removeAttempt(dir); // left over from an interrupted start of this same attempt
    await mkdir(dir, { recursive: true });
    const containerId = `${uid}-${c.name}-${attempt}`;
    const record: AttemptRecord = { name: c.name, attempt, containerId, imageId: image.imageId, specHash: containerSpecHash(c) };
    // Kept with the attempt: stopping it later must not depend on the image store.
    const stopSignal = c.lifecycle?.stopSignal || image.config.stopSignal;
    if (stopSignal) record.stopSignal = stopSignal;
    try {
      const config = containerRunConfig(pod, c, image.config, facts, await imageUserFiles(image.layers));
      const rootfs = join(dir, 'rootfs');
      await mountAll(overlayMounts({ lowerDirs: image.layers, upperDir: join(dir, 'upper'), workDir: join(dir, 'work') }), rootfs);
      const init = needsInit(config.args);
      const spec = buildOciSpec({
        ...config,
        rootfs,
        cgroupsPath: this.containerCgroup(uid, c.name),
        // The hostname is the sandbox UTS namespace's, set once for the pod.
        sharedNamespaces: { network: pod.spec.hostNetwork ? HOST_NETWORK : sandbox.net, ipc: sandbox.ipc, uts: sandbox.uts },
        mounts,
        init,
      });
      await writeBundle(join(dir, 'bundle'), spec);
      await writeJsonAtomic(join(dir, 'attempt.json'), record);
      await this.opts.shim.create({
        bundle: join(dir, 'bundle'), id: containerId, stateDir: join(dir, 'state'), logPath: join(dir, 'container.log'),
        logMaxSize: this.opts.logMaxSize, logMaxFiles: this.opts.logMaxFiles, init,
      });
    } catch (err) {
      await this.removeAttempt(dir).catch(() => undefined);
      throw err;
    }
    const started = await this.readAttempt(dir);
    if (!started) throw new Error(`container ${containerId} started but its attempt record is gone`);
    return started;
  }

  /** Sends a signal to a running attempt; a container that has already stopped is not an error. */
  async signal(uid: string, a: ContainerAttempt, signal: NodeJS.Signals | number, all = false): Promise<void> {
    const stateDir = join(this.attemptDir(uid, a.name, a.attempt), 'state');
    try {
      await this.opts.shim.kill(stateDir, signal, { all });
    } catch (err) {
      const st = await readShimState(stateDir);
      if (st?.status !== 'stopped') throw err;
    }
  }

  /** Everything of the pod: containers (killed if still running), mounts, cgroups, namespaces, directories. */
  async removePod(uid: string): Promise<void> {
    const containersDir = join(this.podDir(uid), 'containers');
    for (const name of await listDir(containersDir)) {
      for (const n of await listDir(join(containersDir, name))) await this.removeAttempt(join(containersDir, name, n));
      await removeCgroup(this.containerCgroup(uid, name), this.cgroupParent);
    }
    await removeCgroup(this.podCgroup(uid), this.cgroupParent);
    await removeSandbox(this.sandboxDir(uid));
    const podDir = this.podDir(uid);
    await tearDownVolumes(podDir);
    this.savedPods.delete(uid);
    for (const dir of this.attemptRecords.keys()) if (dir.startsWith(`${podDir}/`)) this.attemptRecords.delete(dir);
    const left = [...mountPoints()].filter((m) => m === podDir || m.startsWith(`${podDir}/`));
    if (left.length) throw new Error(`pod ${uid}: still mounted: ${left.join(', ')}`);
    await rm(podDir, { recursive: true, force: true });
  }

  /** Keeps only the final state and log of stopped attempts before `current`, and of none before current-1. */
  private async retireAttempts(uid: string, name: string, current: number): Promise<void> {
    const dir = join(this.podDir(uid), 'containers', name);
    for (const n of await listDir(dir)) {
      const attempt = Number(n);
      if (!Number.isInteger(attempt) || attempt >= current) continue;
      const attemptDir = join(dir, n);
      if (attempt < current - 1) {
        await this.removeAttempt(attemptDir);
        continue;
      }
      const state = await readShimState(join(attemptDir, 'state'));
      if (state) {
        await writeJsonAtomic(join(attemptDir, 'final.json'), state);
        await this.opts.shim.delete(join(attemptDir, 'state'), { force: true });
      }
      await unmount(join(attemptDir, 'rootfs'));
      for (const sub of ['rootfs', 'upper', 'work', 'bundle']) await rm(join(attemptDir, sub), { recursive: true, force: true });
    }
  }

  private async removeAttempt(dir: string): Promise<void> {
    this.attemptRecords.delete(dir);
    if (!existsSync(dir)) return;
    if (existsSync(join(dir, 'state', 'state.json'))) await this.opts.shim.delete(join(dir, 'state'), { force: true });
    await unmount(join(dir, 'rootfs'));
    if (mountPoints().has(join(dir, 'rootfs'))) throw new Error(`${join(dir, 'rootfs')} is still mounted`);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * /etc/passwd and /etc/group as the container will see them: from the topmost layer that has them.
 * Only regular files are read: a symlink in an image must not make the agent read a host file.
 */
function imageUserFiles(layers: string[]): Promise<ImageUserFiles> {
  // Layer directories are content-addressed and never change: read once per image, not per container.
  const key = layers.join('\n');
  let files = userFilesByLayers.get(key);
  if (!files) {
    if (userFilesByLayers.size >= 64) userFilesByLayers.delete(userFilesByLayers.keys().next().value!);
    files = readImageUserFiles(layers);
    files.catch(() => userFilesByLayers.delete(key));
    userFilesByLayers.set(key, files);
  }
  return files;
}

const userFilesByLayers = new Map<string, Promise<ImageUserFiles>>();

async function readImageUserFiles(layers: string[]): Promise<ImageUserFiles> {
  const find = async (file: string) => {
    for (const layer of [...layers].reverse()) {
      const path = join(layer, file);
      const st = await lstat(path).catch(() => undefined);
      if (!st) continue;
      return st.isFile() ? readFile(path, 'utf8') : undefined;
    }
    return undefined;
  };
  return { passwd: await find('etc/passwd'), group: await find('etc/group') };
}
