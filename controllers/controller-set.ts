// The controllers that run together, on one set of shared informers.
import { InformerFactory, stripManagedFields } from '../client/informer';
import type { RestClient } from '../client/rest-client';
import type { Clock } from '../client/work-queue';
import type { Controller } from './controller';
import { DaemonSetController } from './daemonset';
import { DeploymentController } from './deployment';
import { CronJobController } from './cronjob';
import { EndpointsController } from './endpoints';
import { EndpointSliceController } from './endpointslice';
import { GarbageCollector } from './garbage-collector';
import { JobController } from './job';
import { NodeLifecycleController } from './node-lifecycle';
import { ReplicaSetController } from './replicaset';

export interface ControllerSetOptions {
  client: RestClient;
  log?: (message: string) => void;
  /** Workers per controller. */
  workers?: number;
  clock?: Clock;
  /** Informer resync period (client-go controller-manager: about 12 h; we default to 5 min). */
  resyncMs?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** The Job controller's pod-failure back-off (10 s doubling up to 6 min unless set). */
  jobBackoffBaseMs?: number;
  jobBackoffMaxMs?: number;
  /** How long a node's Lease may go unrenewed before it is Unknown (kube-controller-manager --node-monitor-grace-period, 40 s). */
  nodeMonitorGracePeriodMs?: number;
}

export interface RunningControllers {
  controllers: Controller[];
  informers: InformerFactory;
  stop(): Promise<void>;
}

export interface ControllerSet extends RunningControllers {
  /** Starts the informers, waits for their first lists, then the workers; resolves early if stopped meanwhile. */
  start(): Promise<void>;
}

/** The controllers on shared informers, not yet started: stop() may be called at any time, even mid-start. */
export function createControllers(opts: ControllerSetOptions): ControllerSet {
  const log = opts.log ?? (() => {});
  const informers = new InformerFactory({ client: opts.client, clock: opts.clock, log, resyncMs: opts.resyncMs ?? 5 * 60_000, transform: stripManagedFields });
  const ctx = { client: opts.client, informers, clock: opts.clock, log, retryBaseDelayMs: opts.retryBaseDelayMs, retryMaxDelayMs: opts.retryMaxDelayMs };
  const controllers: Controller[] = [
    new GarbageCollector(ctx),
    new ReplicaSetController(ctx),
    new DeploymentController(ctx),
    new DaemonSetController(ctx),
    new JobController(ctx, { backoffBaseMs: opts.jobBackoffBaseMs, backoffMaxMs: opts.jobBackoffMaxMs }),
    new CronJobController(ctx),
    new EndpointsController(ctx),
    new EndpointSliceController(ctx),
    new NodeLifecycleController({ ...ctx, nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs }),
  ];
  let stopped = false;
  return {
    controllers,
    informers,
    async start() {
      informers.start();
      await informers.waitForSync(); // stop() ends the wait
      if (stopped) return;
      for (const c of controllers) c.run(opts.workers ?? 2);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(controllers.map((c) => c.stop()));
      await informers.stop();
    },
  };
}

/** Creates and starts the controllers; resolves once their workers run. */
export async function startControllers(opts: ControllerSetOptions): Promise<RunningControllers> {
  const set = createControllers(opts);
  await set.start();
  return set;
}
