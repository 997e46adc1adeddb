// The steps a pod worker runs (pod-workers.ts): sync a pod to its spec, stop it, remove it. The decisions
// come from the pure computePodActions/podStatusFrom; this file performs them through the runtime and
// reports status and events to the apiserver.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { PodRef } from '../../client/node-client';
import { ContainerConfigError, skippedEnvFromKeys, type PodFacts } from './container-config';
import type { ContainerRuntime } from './container-runtime';
import type { BackoffPolicy } from './crash-backoff';
import { imageErrorReason, type ImagePullPolicy, type ImageProvider } from './image-provider';
import { computePodActions } from './pod-actions';
import { CONTAINER_ID_SCHEME, podStatusFrom, type PodStatus } from './pod-status';
import type { ContainerSpec, Pod } from './pod-types';
import { isRunning, latestAttempt, type ContainerAttempt, type ContainerStartError, type PodRuntimeState } from './runtime-state';
import type { PodWorkerHandlers, WorkerPhase } from './pod-workers';
import { forgetPodIps, portMappingsOf, readPodIps, writePodIps, type PodNetwork } from './pod-network';
import { podHostname, sandboxPaths, type SandboxPaths } from './pod-sandbox';
import { PodResources, type PreparedPod } from './pod-resources';
import { stopContainers, type StopRequest } from './container-stop';
import { runLifecycleHook } from './lifecycle-hooks';
import type { ContainerTarget } from './probes/handler-runner';
import { ProbeManager } from './probes/probe-manager';
import type { ProbeResult } from './probes/probe-state';
import type { ProbeType } from './probes/probe-types';

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
  /** Probe workers of the running containers; their results feed status and liveness kills. */
  private readonly probes: ProbeManager;
  /** The pod and pod IP of each pod's last sync, for status reports between syncs (readiness changes). */
  private readonly synced = new Map<string, { pod: Pod; podIP?: string }>();
  /** Status reports of a pod run one after another, so an older status never overwrites a newer one. */
  private readonly reports = new Map<string, Promise<void>>();
  private resync?: (uid: string) => void;

  constructor(private readonly o: PodSyncerOptions) {
    this.resources = o.resources ?? new PodResources({});
    this.probes = new ProbeManager({
      shim: o.runtime.shim,
      onChange: (uid, _container, type, result) => this.onProbeChange(uid, type, result),
      // One aggregated event per container, probe and reason (its count grows), as the kubelet's recorder does.
      event: (pod, container, type, reason, message) => this.event(pod, container, type, reason, message, `${reason}/${message.split(':')[0]}`),
    });
  }

  bind(resync: (uid: string) => void): void {
    this.resync = resync;
  }

  stop(): void {
    this.probes.stop();
  }

  async syncPod(pod: Pod, signal: AbortSignal): Promise<{ wakeAt?: number }> {
    const uid = pod.metadata.uid!;
    await this.o.runtime.savePod(pod);
    const sandbox = await this.o.runtime.ensureSandbox(pod, this.o.nodeName);
    const podIP = await this.podIP(pod, sandbox);
    this.synced.set(uid, { pod, podIP });
    const prepared = await this.preparePod(pod, podIP);
    let state = await this.runtimeState(uid);
    let actions = computePodActions(pod, state, Date.now(), this.o.backoff, this.probes.unhealthy(uid));
    if (actions.unhealthy.length) {
      await this.killUnhealthy(pod, state, actions.unhealthy, signal);
      state = await this.runtimeState(uid);
      actions = computePodActions(pod, state, Date.now(), this.o.backoff);
    }
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
        await this.stopAttempts(pod, [{ attempt: replaced!, graceSeconds: this.gracePeriod(pod, false) }], signal);
      }
      const failure = 'reason' in prepared ? prepared : await this.startContainer(pod, c, start.attempt, sandbox, podIP, prepared, signal);
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
    // A container the last status called started (a restarted agent re-adopting it) is not startup-probed again.
    const reported = (this.reported.get(uid) ?? (pod.status as PodStatus | undefined))?.containerStatuses ?? [];
    const startedIds = new Set(reported.filter((s) => s.started && s.containerID).map((s) => s.containerID!.replace(CONTAINER_ID_SCHEME, '')));
    this.probes.sync(pod, state.attempts.filter((a) => a.status === 'running' && specs.has(a.name)).map((a) => ({
      name: a.name, containerId: a.containerId, startedAt: a.startedAt ? Date.parse(a.startedAt) : Date.now(),
      target: this.target(pod, a, specs.get(a.name), podIP), started: startedIds.has(a.containerId),
    })));
    await this.report(pod, podIP);
    return { wakeAt };
  }

  /** Liveness/startup failures: Killing with the kubelet's message, then a graceful stop (restart follows per restartPolicy). */
  private async killUnhealthy(pod: Pod, state: PodRuntimeState, unhealthy: { name: string; probe: ProbeType; message: string }[], signal: AbortSignal): Promise<void> {
    const requests: StopRequest[] = [];
    for (const u of unhealthy) {
      const a = latestAttempt(state, u.name);
      if (!a) continue;
      this.event(pod, u.name, 'Normal', 'Killing', u.message);
      const c = pod.spec.containers.find((x) => x.name === u.name);
      const probeGrace = (u.probe === 'liveness' ? c?.livenessProbe : c?.startupProbe)?.terminationGracePeriodSeconds;
      requests.push({ attempt: a, graceSeconds: probeGrace ?? this.gracePeriod(pod, false) });
    }
    await this.stopAttempts(pod, requests, signal);
  }

  /** A readiness or startup change is reported at once; a liveness/startup failure needs a sync (to kill). */
  private onProbeChange(uid: string, type: ProbeType, result: ProbeResult): void {
    if (type !== 'readiness' && result === 'failure') {
      this.resync?.(uid);
      return;
    }
    const last = this.synced.get(uid);
    if (!last) return;
    this.report(last.pod, last.podIP).catch((err: Error) => this.o.log.warn('status report after a probe change failed', { uid, error: err.message }));
  }

  /** Where probes and hooks of this attempt run (exec) and connect (the pod IP, else inside the pod's netns). */
  private target(pod: Pod, a: ContainerAttempt, spec: ContainerSpec | undefined, podIP: string | undefined): ContainerTarget {
    const uid = pod.metadata.uid!;
    return {
      stateDir: join(this.o.runtime.attemptDir(uid, a.name, a.attempt), 'state'),
      podIP: podIP ?? this.synced.get(uid)?.podIP,
      netnsPath: sandboxPaths(this.o.runtime.sandboxDir(uid)).net,
      shimBinary: this.o.runtime.shim.binary,
      ports: spec?.ports ?? [],
    };
  }

  async terminatePod(pod: Pod, gone: boolean, signal: AbortSignal): Promise<void> {
    const uid = pod.metadata.uid!;
    this.probes.removePod(uid);
    const running = (await this.o.runtime.readPodState(uid)).filter((a) => isRunning(a));
    for (const a of running) this.event(pod, a.name, 'Normal', 'Killing', `Stopping container ${a.name}`);
    const grace = this.gracePeriod(pod, gone);
    await this.stopAttempts(pod, running.map((a) => ({ attempt: a, graceSeconds: grace })), signal);
    if (!gone) await this.report(pod, pod.spec.hostNetwork ? this.o.hostIP : (await readPodIps(this.o.runtime.podDir(uid)))?.[0]);
  }

  private gracePeriod(pod: Pod, gone: boolean): number {
    return gone ? 0 : pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  }

  /** preStop, the stop signal, the grace period, SIGKILL (container-stop.ts); waits until recorded as stopped. */
  private async stopAttempts(pod: Pod, requests: StopRequest[], signal: AbortSignal): Promise<void> {
    await stopContainers({
      runtime: this.o.runtime, stopPollMs: this.o.stopPollMs, killTimeoutMs: this.o.killTimeoutMs,
      target: (p, a, spec) => this.target(p, a, spec, undefined),
      event: (p, c, type, reason, message) => this.event(p, c, type, reason, message),
    }, pod, requests, signal);
  }

  async cleanupPod(pod: Pod, gone: boolean): Promise<void> {
    const uid = pod.metadata.uid!;
    if (this.o.network && existsSync(sandboxPaths(this.o.runtime.sandboxDir(uid)).net)) {
      await this.o.network.tearDown(ref(pod), sandboxPaths(this.o.runtime.sandboxDir(uid)).net);
    }
    this.probes.removePod(uid);
    await this.o.runtime.removePod(uid);
    this.synced.delete(uid);
    this.reports.delete(uid);
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
    if (pod.spec.hostNetwork) return this.o.hostIP; // the node's network: podIP = hostIP, as the kubelet reports
    if (!this.o.network) return undefined;
    const podDir = this.o.runtime.podDir(pod.metadata.uid!);
    if (sandbox.created) await forgetPodIps(podDir);
    let ips = await readPodIps(podDir);
    if (!ips) {
      ({ ips } = await this.o.network.setUp(ref(pod), sandbox.net, { portMappings: portMappingsOf(pod) }));
      await writePodIps(podDir, ips);
    }
    return ips[0];
  }

  /** The pod's volumes and files; a failure is every container's waiting reason (ContainerCreating) and a FailedMount event. */
  private async preparePod(pod: Pod, podIP: string | undefined): Promise<PreparedPod | ContainerStartError> {
    const hostname = podHostname(pod.spec.hostNetwork ? this.o.nodeName : pod.spec.hostname || pod.metadata.name || '');
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
    pod: Pod, c: ContainerSpec, attempt: number, sandbox: SandboxPaths, podIP: string | undefined, prepared: PreparedPod, signal: AbortSignal,
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
    let started: ContainerAttempt;
    try {
      const sources = await this.resources.envSources(pod, c);
      for (const m of skippedEnvFromKeys(pod, c, sources.objects)) this.event(pod, c.name, 'Warning', 'InvalidEnvironmentVariableNames', m);
      const mounts = await this.resources.mounts(c, prepared);
      started = await this.o.runtime.startContainer(pod, c, attempt, image, { ...this.facts(podIP), ...sources }, sandbox, mounts);
    } catch (err) {
      const message = (err as Error).message;
      this.event(pod, c.name, 'Warning', 'Failed', `Error: ${message}`);
      return { reason: err instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'CreateContainerError', message };
    }
    this.event(pod, c.name, 'Normal', 'Created', `Created container ${c.name}`);
    this.event(pod, c.name, 'Normal', 'Started', `Started container ${c.name}`);
    return c.lifecycle?.postStart ? this.postStart(pod, c, started, podIP, signal) : undefined;
  }

  /** Runs the postStart hook right after the start; a failure kills the container (FailedPostStartHook). */
  private async postStart(pod: Pod, c: ContainerSpec, a: ContainerAttempt, podIP: string | undefined, signal: AbortSignal): Promise<ContainerStartError | undefined> {
    const failure = await runLifecycleHook(c.lifecycle!.postStart!, {
      shim: this.o.runtime.shim, target: this.target(pod, a, c, podIP), container: c.name,
      pod: `${ref(pod).namespace}/${ref(pod).name}`, timeoutMs: 0, signal,
    });
    if (!failure) return undefined;
    this.event(pod, c.name, 'Warning', 'FailedPostStartHook', failure);
    this.event(pod, c.name, 'Normal', 'Killing', 'FailedPostStartHook');
    await this.stopAttempts(pod, [{ attempt: a, graceSeconds: this.gracePeriod(pod, false) }], signal);
    return { reason: 'PostStartHookError', message: failure };
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

  /**
   * Reports the status when it differs from what was reported last (or from the pod's stored status). The
   * runtime state is read inside the pod's report queue, so reports go out in the order of what they saw.
   */
  private report(pod: Pod, podIP: string | undefined): Promise<void> {
    const uid = pod.metadata.uid!;
    const next = (this.reports.get(uid) ?? Promise.resolve()).catch(() => undefined).then(async () => {
      const state = await this.runtimeState(uid);
      const previous = this.reported.get(uid) ?? (pod.status as PodStatus | undefined);
      const status = podStatusFrom(pod, state, {
        now: Date.now(), backoff: this.o.backoff, hostIP: this.o.hostIP, podIP, probes: this.probes.results(uid),
        previous: previous?.conditions ? previous : undefined,
      });
      if (isDeepStrictEqual(status, previous)) return;
      await this.o.reporter.reportPodStatus(ref(pod), status);
      this.reported.set(uid, status);
    });
    this.reports.set(uid, next);
    return next;
  }

  /** aggregate: events with the same key share one Event object whose count grows (probe failures repeat). */
  private event(pod: Pod, container: string, type: 'Normal' | 'Warning', reason: string, message: string, aggregate?: string): void {
    const r = ref(pod);
    const name = aggregate ? `${r.name}.${createHash('sha256').update(`${r.uid}/${container}/${aggregate}`).digest('hex').slice(0, 16)}` : undefined;
    this.o.reporter.recordEvent({
      ...(name ? { metadata: { name } } : {}),
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: r.namespace, name: r.name, uid: r.uid, ...(container ? { fieldPath: `spec.containers{${container}}` } : {}) },
      type, reason, message,
    }).catch((err: Error) => this.o.log.warn('event not recorded', { reason, error: err.message }));
  }
}
