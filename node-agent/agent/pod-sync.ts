// The steps a pod worker runs (pod-workers.ts): sync a pod to its spec, stop it, remove it. The decisions
// come from the pure computePodActions/podStatusFrom; this file performs them through the runtime and
// reports status and events to the apiserver.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { PodRef } from '../../client/node-client';
import { ContainerConfigError, type PodFacts } from './container-config';
import type { ContainerRuntime } from './container-runtime';
import type { BackoffPolicy } from './crash-backoff';
import { imageErrorReason, type ImagePullPolicy, type ImageProvider } from './image-provider';
import { computePodActions } from './pod-actions';
import { podStatusFrom, type PodStatus } from './pod-status';
import type { ContainerSpec, Pod } from './pod-types';
import { isRunning, latestAttempt, type ContainerAttempt, type ContainerStartError, type PodRuntimeState } from './runtime-state';
import type { PodWorkerHandlers, WorkerPhase } from './pod-workers';
import { forgetPodIps, readPodIps, writePodIps, type PodNetwork } from './pod-network';
import { podHostname, sandboxPaths, type SandboxPaths } from './pod-sandbox';
import { PodResources, type PreparedPod } from './pod-resources';

/** What the syncer needs from the apiserver (NodeClient has it). */
export interface PodReporter {
  reportPodStatus(pod: PodRef, status: unknown): Promise<string>;
  confirmPodDeleted(pod: PodRef): Promise<void>;
  recordEvent(event: Record<string, unknown>): Promise<unknown>;
}

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface PodSyncerOptions {
  runtime: ContainerRuntime;
  images: ImageProvider;
  reporter: PodReporter;
  nodeName: string;
  hostIP: string;
  backoff: BackoffPolicy;
  log: Logger;
  /** Plumbs each pod's network namespace; pods have only loopback without one. */
  network?: PodNetwork;
  /** How often termination checks whether the containers have stopped. */
  stopPollMs?: number;
  /** How long to wait for SIGKILLed containers to be recorded as stopped before retrying. */
  killTimeoutMs?: number;
  /** Volumes, env from ConfigMaps/Secrets, /etc/hosts and resolv.conf (none of them without it). */
  resources?: PodResources;
  /** How often a pod with configMap/secret/downwardAPI/projected volumes is synced so they follow their sources. */
  volumeResyncMs?: number;
}

function ref(pod: Pod): PodRef {
  return { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
}

function defaultPullPolicy(c: ContainerSpec): ImagePullPolicy {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const tag = /:([^/:@]+)$/.exec(c.image)?.[1];
  return !c.image.includes('@') && (tag === undefined || tag === 'latest') ? 'Always' : 'IfNotPresent';
}

export class PodSyncer implements PodWorkerHandlers {
  /** Per pod: start failures (shown as waiting reasons), the status last reported, back-offs already announced. */
  private readonly startErrors = new Map<string, Record<string, ContainerStartError>>();
  private readonly reported = new Map<string, PodStatus>();
  private readonly announcedBackoffs = new Map<string, Set<string>>();

  private readonly resources: PodResources;

  constructor(private readonly o: PodSyncerOptions) {
    this.resources = o.resources ?? new PodResources({});
  }

  async syncPod(pod: Pod, signal: AbortSignal): Promise<{ wakeAt?: number }> {
    const uid = pod.metadata.uid!;
    await this.o.runtime.savePod(pod);
    const sandbox = await this.o.runtime.ensureSandbox(pod);
    const podIP = await this.podIP(pod, sandbox);
    const prepared = await this.preparePod(pod, podIP);
    let state = await this.runtimeState(uid);
    const actions = computePodActions(pod, state, Date.now(), this.o.backoff);
    let wakeAt = actions.wakeAt;
    if (this.resources.needsResync(pod)) wakeAt = Math.min(wakeAt ?? Infinity, Date.now() + (this.o.volumeResyncMs ?? 60_000));

    for (const name of actions.kill) {
      const running = latestAttempt(state, name);
      if (running) await this.o.runtime.signal(uid, running, 'SIGKILL', true);
    }
    const errors = this.startErrors.get(uid) ?? {};
    this.startErrors.set(uid, errors);
    const specs = new Map([...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => [c.name, c]));
    for (const start of actions.start) {
      if (signal.aborted) break;
      const c = specs.get(start.name)!;
      const replaced = latestAttempt(state, c.name);
      if (isRunning(replaced)) {
        this.event(pod, c.name, 'Normal', 'Killing', `Container ${c.name} definition changed, will be restarted`);
        await this.stopAttempts(pod, [replaced!], this.gracePeriod(pod, false), signal);
      }
      const failure = 'reason' in prepared ? prepared : await this.startContainer(pod, c, start.attempt, sandbox, podIP, prepared);
      if (failure) {
        errors[c.name] = failure;
        // Retried after the first back-off step, as the kubelet's image and start back-offs do.
        wakeAt = Math.min(wakeAt ?? Infinity, Date.now() + this.o.backoff.initialMs);
      } else {
        delete errors[c.name];
      }
    }
    for (const name of actions.backingOff) this.announceBackoff(pod, name, state);

    state = await this.runtimeState(uid);
    await this.report(pod, state, podIP);
    return { wakeAt };
  }

  async terminatePod(pod: Pod, gone: boolean, signal: AbortSignal): Promise<void> {
    const uid = pod.metadata.uid!;
    const running = (await this.o.runtime.readPodState(uid)).filter((a) => isRunning(a));
    for (const a of running) this.event(pod, a.name, 'Normal', 'Killing', `Stopping container ${a.name}`);
    await this.stopAttempts(pod, running, this.gracePeriod(pod, gone), signal);
    if (!gone) await this.report(pod, await this.runtimeState(uid), (await readPodIps(this.o.runtime.podDir(uid)))?.[0]);
  }

  private gracePeriod(pod: Pod, gone: boolean): number {
    return gone ? 0 : pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  }

  /** SIGTERM, up to graceSeconds for them to stop, then SIGKILL to their whole cgroups; waits until recorded as stopped. */
  private async stopAttempts(pod: Pod, attempts: ContainerAttempt[], graceSeconds: number, signal: AbortSignal): Promise<void> {
    const uid = pod.metadata.uid!;
    const ids = new Set(attempts.map((a) => a.containerId));
    const stillRunning = () => this.o.runtime.readPodState(uid).then((all) => all.filter((a) => ids.has(a.containerId) && isRunning(a)));
    for (const a of attempts) await this.o.runtime.signal(uid, a, graceSeconds > 0 ? 'SIGTERM' : 'SIGKILL', graceSeconds === 0);
    const deadline = Date.now() + graceSeconds * 1000;
    let left = attempts;
    while (left.length && Date.now() < deadline && !signal.aborted) {
      await sleep(this.o.stopPollMs ?? 100);
      left = await stillRunning();
    }
    for (const a of left) await this.o.runtime.signal(uid, a, 'SIGKILL', true);
    const killDeadline = Date.now() + (this.o.killTimeoutMs ?? 10_000);
    while (left.length) {
      if (Date.now() > killDeadline || signal.aborted) throw new Error(`pod ${uid}: containers ${left.map((a) => a.name).join(', ')} did not stop after SIGKILL`);
      await sleep(this.o.stopPollMs ?? 100);
      left = await stillRunning();
    }
  }

  async cleanupPod(pod: Pod, gone: boolean): Promise<void> {
    const uid = pod.metadata.uid!;
    if (this.o.network && existsSync(sandboxPaths(this.o.runtime.sandboxDir(uid)).net)) {
      await this.o.network.tearDown(ref(pod), sandboxPaths(this.o.runtime.sandboxDir(uid)).net);
    }
    await this.o.runtime.removePod(uid);
    this.startErrors.delete(uid);
    this.reported.delete(uid);
    this.announcedBackoffs.delete(uid);
    if (!gone && pod.metadata.deletionTimestamp) await this.o.reporter.confirmPodDeleted(ref(pod));
    this.o.log.info('pod removed', { pod: `${ref(pod).namespace}/${ref(pod).name}`, uid });
  }

  onError(uid: string, phase: WorkerPhase, err: unknown): void {
    this.o.log.warn('pod worker step failed; retrying', { uid, phase, error: err instanceof Error ? err.message : String(err) });
  }

  private async runtimeState(uid: string): Promise<PodRuntimeState> {
    return { attempts: await this.o.runtime.readPodState(uid), startErrors: { ...this.startErrors.get(uid) } };
  }

  private facts(podIP?: string): PodFacts {
    return { nodeName: this.o.nodeName, hostIP: this.o.hostIP, podIP };
  }

  /** The pod's primary IP: set up once per sandbox through the PodNetwork, then read back from disk. */
  private async podIP(pod: Pod, sandbox: SandboxPaths & { created: boolean }): Promise<string | undefined> {
    if (!this.o.network) return undefined;
    const podDir = this.o.runtime.podDir(pod.metadata.uid!);
    if (sandbox.created) await forgetPodIps(podDir);
    let ips = await readPodIps(podDir);
    if (!ips) {
      ({ ips } = await this.o.network.setUp(ref(pod), sandbox.net));
      await writePodIps(podDir, ips);
    }
    return ips[0];
  }

  /** The pod's volumes and files; a failure is every container's waiting reason (ContainerCreating) and a FailedMount event. */
  private async preparePod(pod: Pod, podIP: string | undefined): Promise<PreparedPod | ContainerStartError> {
    const hostname = podHostname(pod.spec.hostname || pod.metadata.name || '');
    try {
      return await this.resources.prepare(this.o.runtime.podDir(pod.metadata.uid!), pod, { podIPs: podIP ? [podIP] : [], hostname });
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      this.event(pod, '', 'Warning', 'FailedMount', err.message);
      return { reason: 'ContainerCreating', message: err.message };
    }
  }

  /** Pulls (or finds) the image and starts the container; a failure is returned as its waiting reason. */
  private async startContainer(
    pod: Pod, c: ContainerSpec, attempt: number, sandbox: SandboxPaths, podIP: string | undefined, prepared: PreparedPod,
  ): Promise<ContainerStartError | undefined> {
    const previous = this.startErrors.get(pod.metadata.uid!)?.[c.name];
    let image;
    try {
      image = await this.o.images.ensureImage(c.image, defaultPullPolicy(c));
    } catch (err) {
      const message = `Failed to pull image "${c.image}": ${(err as Error).message}`;
      this.event(pod, c.name, 'Warning', 'Failed', message);
      // The store's own reason when it gives one; else ErrImagePull first, ImagePullBackOff while retrying.
      const pulledBefore = previous?.reason === 'ErrImagePull' || previous?.reason === 'ImagePullBackOff';
      return { reason: imageErrorReason(err) ?? (pulledBefore ? 'ImagePullBackOff' : 'ErrImagePull'), message };
    }
    this.event(pod, c.name, 'Normal', 'Pulled', `Container image "${c.image}" is present on the machine (${image.imageId})`);
    try {
      const objects = await this.resources.envObjects(pod, c);
      const mounts = await this.resources.mounts(c, prepared);
      await this.o.runtime.startContainer(pod, c, attempt, image, { ...this.facts(podIP), objects }, sandbox, mounts);
    } catch (err) {
      const message = (err as Error).message;
      this.event(pod, c.name, 'Warning', 'Failed', `Error: ${message}`);
      return { reason: err instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'CreateContainerError', message };
    }
    this.event(pod, c.name, 'Normal', 'Created', `Created container ${c.name}`);
    this.event(pod, c.name, 'Normal', 'Started', `Started container ${c.name}`);
    return undefined;
  }

  private announceBackoff(pod: Pod, name: string, state: PodRuntimeState): void {
    const last = latestAttempt(state, name);
    const key = `${name}/${last?.attempt}`;
    const seen = this.announcedBackoffs.get(pod.metadata.uid!) ?? new Set<string>();
    this.announcedBackoffs.set(pod.metadata.uid!, seen);
    if (seen.has(key)) return;
    seen.add(key);
    this.event(pod, name, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${pod.metadata.name}`);
  }

  /** Reports the status when it differs from what was reported last (or from the pod's stored status). */
  private async report(pod: Pod, state: PodRuntimeState, podIP: string | undefined): Promise<void> {
    const uid = pod.metadata.uid!;
    const previous = this.reported.get(uid) ?? (pod.status as PodStatus | undefined);
    const status = podStatusFrom(pod, state, {
      now: Date.now(), backoff: this.o.backoff, hostIP: this.o.hostIP, podIP,
      previous: previous?.conditions ? previous : undefined,
    });
    if (isDeepStrictEqual(status, previous)) return;
    await this.o.reporter.reportPodStatus(ref(pod), status);
    this.reported.set(uid, status);
  }

  private event(pod: Pod, container: string, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const r = ref(pod);
    this.o.reporter.recordEvent({
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: r.namespace, name: r.name, uid: r.uid, ...(container ? { fieldPath: `spec.containers{${container}}` } : {}) },
      type, reason, message,
    }).catch((err: Error) => this.o.log.warn('event not recorded', { reason, error: err.message }));
  }
}
