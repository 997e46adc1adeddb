// The scheduler component: `startScheduler` runs it until `stop()`. With
// leader election (the default, as kube-scheduler) several may run; only the
// holder of the kube-system/kube-scheduler Lease schedules, each term with a
// fresh cache and queue, and another takes over when the leader stops renewing.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { RestClient } from '../client';
import { LeaderElector } from '../client/leader-election';
import { loadSchedulerConfig, SchedulerConfig } from './framework/config';
import { Scheduler } from './scheduler';

export { Scheduler } from './scheduler';
export type { SchedulerOptions } from './scheduler';
import type { SchedulerOptions } from './scheduler';
export { loadSchedulerConfig, parseSchedulerConfig } from './framework/config';
export type { SchedulerConfig, ProfileConfig } from './framework/config';

export interface LeaderElectionConfig {
  namespace?: string;
  name?: string;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface StartSchedulerOptions {
  client: RestClient;
  log: (msg: string) => void;
  /** A KubeSchedulerConfiguration, or the path of its YAML file (`--config`). */
  config?: SchedulerConfig | string;
  /** Lease-based leader election (default on: kube-system/kube-scheduler, 15 s / 10 s / 2 s); false schedules at once. */
  leaderElection?: LeaderElectionConfig | false;
  /** Called when the apiserver accepted a binding (metrics, benchmarks). */
  onBound?: SchedulerOptions['onBound'];
}

export interface RunningScheduler {
  /** The scheduler of the current leadership term, if this instance leads. */
  current(): Scheduler | undefined;
  isLeader(): boolean;
  stop(): Promise<void>;
}

/**
 * Without leader election: resolves once nodes and pods are listed and
 * scheduling runs. With it: resolves at once; scheduling starts on winning the lease.
 */
export async function startScheduler(opts: StartSchedulerOptions): Promise<RunningScheduler> {
  const config = typeof opts.config === 'string' ? loadSchedulerConfig(opts.config) : opts.config;
  const create = () => new Scheduler({ client: opts.client, log: opts.log, config, onBound: opts.onBound });
  await create().stop(); // refuses a bad configuration now rather than on winning the lease

  if (opts.leaderElection === false) {
    const scheduler = create();
    try {
      await scheduler.start();
    } catch (err) {
      await scheduler.stop();
      throw err;
    }
    return { current: () => scheduler, isLeader: () => true, stop: () => scheduler.stop() };
  }

  const le = opts.leaderElection ?? {};
  let term: { scheduler: Scheduler; started: Promise<void> } | undefined;
  const endTerm = async () => {
    const t = term;
    term = undefined;
    if (!t) return;
    await t.scheduler.stop();
    await t.started.catch(() => {});
  };
  const elector = new LeaderElector({
    client: opts.client,
    namespace: le.namespace ?? 'kube-system',
    name: le.name ?? 'kube-scheduler',
    identity: le.identity ?? `${hostname()}_${randomBytes(6).toString('hex')}`,
    leaseDurationMs: le.leaseDurationMs,
    renewDeadlineMs: le.renewDeadlineMs,
    retryPeriodMs: le.retryPeriodMs,
    log: opts.log,
    onStartedLeading: () => {
      const scheduler = create();
      // Not awaited: renewing the lease must not wait for the initial lists.
      const started = scheduler.start().catch((err: Error) => opts.log(`scheduler failed to start: ${err.message}`));
      term = { scheduler, started };
    },
    onStoppedLeading: () => endTerm(),
  });
  elector.start();
  return {
    current: () => term?.scheduler,
    isLeader: () => elector.isLeader(),
    async stop() {
      await elector.stop();
      await endTerm();
    },
  };
}
