// What `rollout status` says about one observed object, in kubectl's words
// (kubectl polymorphichelpers/rollout_status.go): a message, whether the
// rollout is done, or an error that ends the wait (progress deadline passed).
import type { KubeObject } from '../../api/types';
import { quoted } from '../workload-target';

export interface RolloutStatus {
  message: string;
  done: boolean;
}

export class RolloutFailed extends Error {
  override name = 'RolloutFailed';
}

// Objects of kinds kctl has no compiled types for.
type Json = any;

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

export function deploymentStatus(d: KubeObject, revision = 0): RolloutStatus {
  const name = quoted(d.metadata.name ?? '');
  if (revision > 0) {
    const running = Number(d.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) || 0;
    if (running !== revision) throw new RolloutFailed(`desired revision (${revision}) is different from the running revision (${running})`);
  }
  const spec: Json = d.spec ?? {};
  const status: Json = d.status ?? {};
  // Counts are only meaningful once the controller has seen the latest spec.
  if ((d.metadata.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { message: 'Waiting for deployment spec update to be observed...\n', done: false };
  }
  const progressing = (status.conditions ?? []).find((c: Json) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') throw new RolloutFailed(`deployment ${name} exceeded its progress deadline`);
  const want = spec.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < want) {
    return { message: `Waiting for deployment ${name} rollout to finish: ${updated} out of ${want} new replicas have been updated...\n`, done: false };
  }
  if (total > updated) {
    return { message: `Waiting for deployment ${name} rollout to finish: ${total - updated} old replicas are pending termination...\n`, done: false };
  }
  if (available < updated) {
    return { message: `Waiting for deployment ${name} rollout to finish: ${available} of ${updated} updated replicas are available...\n`, done: false };
  }
  return { message: `deployment ${name} successfully rolled out\n`, done: true };
}

export function daemonSetStatus(ds: KubeObject): RolloutStatus {
  const name = quoted(ds.metadata.name ?? '');
  const spec: Json = ds.spec ?? {};
  const status: Json = ds.status ?? {};
  if ((spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    throw new RolloutFailed('rollout status is only available for RollingUpdate strategy type');
  }
  if ((ds.metadata.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { message: 'Waiting for daemon set spec update to be observed...\n', done: false };
  }
  const desired = status.desiredNumberScheduled ?? 0;
  const updated = status.updatedNumberScheduled ?? 0;
  const available = status.numberAvailable ?? 0;
  if (updated < desired) {
    return { message: `Waiting for daemon set ${name} rollout to finish: ${updated} out of ${desired} new pods have been updated...\n`, done: false };
  }
  if (available < desired) {
    return { message: `Waiting for daemon set ${name} rollout to finish: ${available} of ${desired} updated pods are available...\n`, done: false };
  }
  return { message: `daemon set ${name} successfully rolled out\n`, done: true };
}
