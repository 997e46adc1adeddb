// Which podFailurePolicy rule a failed pod matches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchPodFailurePolicy, PodFailurePolicy } from './pod-failure-policy';
import type { Pod } from './workload-types';

function failed(containers: Array<[string, number]>, conditions: Array<[string, 'True' | 'False']> = [], init: Array<[string, number]> = []): Pod {
  const cs = (list: Array<[string, number]>) => list.map(([name, exitCode]) => ({ name, state: { terminated: { exitCode } } }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns' },
    status: { phase: 'Failed', containerStatuses: cs(containers), initContainerStatuses: cs(init), conditions: conditions.map(([type, status]) => ({ type, status })) },
  };
}

const policy: PodFailurePolicy = {
  rules: [
    { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
    { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
  ],
};

test('the first matching rule decides, with Kubernetes wording', () => {
  assert.deepEqual(matchPodFailurePolicy(policy, failed([['main', 42]])), { action: 'FailJob', message: 'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 0' });
  assert.deepEqual(matchPodFailurePolicy(policy, failed([['main', 1]], [['DisruptionTarget', 'True']])), { action: 'Ignore', message: 'Pod ns/p has condition DisruptionTarget matching Ignore rule at index 1' });
  assert.equal(matchPodFailurePolicy(policy, failed([['main', 1]], [['DisruptionTarget', 'False']])), undefined, 'condition status must match (True by default)');
  assert.equal(matchPodFailurePolicy(policy, failed([['main', 3]]))?.action, 'Count', 'NotIn [1,2] matches 3');
  assert.equal(matchPodFailurePolicy(policy, failed([['main', 2]])), undefined, 'no rule: the failure counts');
});

test('containerName restricts onExitCodes; exit code 0 never matches; init containers are looked at', () => {
  assert.equal(matchPodFailurePolicy(policy, failed([['sidecar', 42]]))?.action, 'Count', 'FailJob is for main only; NotIn matches the sidecar');
  const notIn: PodFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [5] } }] };
  assert.equal(matchPodFailurePolicy(notIn, failed([['main', 0]])), undefined);
  assert.equal(matchPodFailurePolicy(notIn, failed([['main', 0]], [], [['setup', 9]]))?.message, 'Container setup for pod ns/p failed with exit code 9 matching FailJob rule at index 0');
  assert.equal(matchPodFailurePolicy(undefined, failed([['main', 42]])), undefined);
});
