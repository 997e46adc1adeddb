// The controller manager: the controllers, started only while this process
// holds the Lease kube-system/kapstan-controller-manager.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { isApiError } from '../api/errors';
import { findByKind } from '../api/resources';
import { LeaderElector } from '../client/leader-election';
import { ControllerSet, ControllerSetOptions, createControllers } from './controller-set';

export { createControllers, startControllers } from './controller-set';
export type { ControllerSet, ControllerSetOptions, RunningControllers } from './controller-set';

export const LEASE_NAMESPACE = 'kube-system';
export const LEASE_NAME = 'kapstan-controller-manager';

export interface ControllerManagerOptions extends ControllerSetOptions {
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export async function startControllerManager(opts: ControllerManagerOptions): Promise<{ stop(): Promise<void>; isLeader(): boolean }> {
  const log = opts.log ?? (() => {});
  await ensureNamespace(opts, LEASE_NAMESPACE).catch((err) => log(`controller-manager: creating namespace ${LEASE_NAMESPACE}: ${(err as Error).message}`));
  let running: ControllerSet | undefined;
  // Leadership changes are handled one at a time, in order.
  let transition: Promise<void> = Promise.resolve();
  const elector = new LeaderElector({
    client: opts.client,
    namespace: LEASE_NAMESPACE,
    name: LEASE_NAME,
    identity: opts.identity ?? `${hostname()}_${randomUUID()}`,
    leaseDurationMs: opts.leaseDurationMs,
    renewDeadlineMs: opts.renewDeadlineMs,
    retryPeriodMs: opts.retryPeriodMs,
    clock: opts.clock,
    log,
    onStartedLeading: () => {
      // Created at once so that stopping never waits for a start stuck on an unreachable server.
      const set = createControllers({ ...opts, log });
      running = set;
      transition = transition.then(async () => {
        log('controller-manager: leading; starting controllers');
        await set.start();
      }).catch((err) => log(`controller-manager: starting controllers failed: ${(err as Error).message}`));
    },
    onStoppedLeading: async () => {
      log('controller-manager: no longer leading; stopping controllers');
      const set = running;
      running = undefined;
      await set?.stop();
      await transition;
    },
  });
  elector.start();
  return {
    isLeader: () => elector.isLeader(),
    async stop() {
      await elector.stop();
      const set = running;
      running = undefined;
      await set?.stop();
      await transition;
    },
  };
}

async function ensureNamespace(opts: ControllerManagerOptions, name: string): Promise<void> {
  const namespaces = findByKind('v1', 'Namespace')!;
  try {
    await opts.client.create(namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (err) {
    if (!isApiError(err, 'AlreadyExists')) throw err;
  }
}
