// rollout status messages for each stage of a Deployment's and DaemonSet's rollout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types';
import { daemonSetStatus, deploymentStatus } from './status-viewer';

const dep = (generation: number, spec: object, status: object, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', generation, annotations },
  spec,
  status,
});

test('deployment: spec not observed, new replicas, old pending, available, done', () => {
  assert.deepEqual(deploymentStatus(dep(2, { replicas: 3 }, { observedGeneration: 1 })), { message: 'Waiting for deployment spec update to be observed...\n', done: false });
  assert.equal(deploymentStatus(dep(1, { replicas: 3 }, { observedGeneration: 1, updatedReplicas: 1 })).message, 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n');
  assert.equal(deploymentStatus(dep(1, { replicas: 3 }, { observedGeneration: 1, updatedReplicas: 3, replicas: 5 })).message, 'Waiting for deployment "web" rollout to finish: 2 old replicas are pending termination...\n');
  assert.equal(deploymentStatus(dep(1, { replicas: 3 }, { observedGeneration: 1, updatedReplicas: 3, replicas: 3, availableReplicas: 1 })).message, 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...\n');
  assert.deepEqual(deploymentStatus(dep(1, { replicas: 3 }, { observedGeneration: 1, updatedReplicas: 3, replicas: 3, availableReplicas: 3 })), { message: 'deployment "web" successfully rolled out\n', done: true });
});

test('deployment: a passed progress deadline and a different revision end the wait', () => {
  const stuck = dep(1, { replicas: 1 }, { observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });
  assert.throws(() => deploymentStatus(stuck), /^RolloutFailed: deployment "web" exceeded its progress deadline$/);
  const rev2 = dep(1, { replicas: 1 }, { observedGeneration: 1 }, { 'deployment.kubernetes.io/revision': '2' });
  assert.throws(() => deploymentStatus(rev2, 3), /desired revision \(3\) is different from the running revision \(2\)/);
});

test('daemon set: updated, available, done; OnDelete has no status', () => {
  const ds = (status: object, updateStrategy?: object): KubeObject => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', generation: 1 }, spec: { updateStrategy }, status: { observedGeneration: 1, ...status } });
  assert.equal(daemonSetStatus(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 1 })).message, 'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...\n');
  assert.equal(daemonSetStatus(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 })).message, 'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available...\n');
  assert.equal(daemonSetStatus(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 })).done, true);
  assert.throws(() => daemonSetStatus(ds({}, { type: 'OnDelete' })), /only available for RollingUpdate strategy type/);
});
