// Validation of EndpointSlices and of Jobs' podFailurePolicy / backoffLimitPerIndex.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from './defaults';
import type { KubeObject } from './types';
import { validateObject } from './validation';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const fields = (obj: KubeObject) => validateObject(applyDefaults(obj)).map((c) => `${c.field}: ${c.message}`);

function slice(extra: Any): KubeObject {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abcde', namespace: 'default' }, addressType: 'IPv4', endpoints: [], ...extra };
}

function job(spec: Any): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'default' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1' }] } }, ...spec },
  };
}

test('a valid EndpointSlice passes and its ports are defaulted (protocol TCP, name "")', () => {
  const s = slice({ endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true } }], ports: [{ port: 80 }] }) as KubeObject & Any;
  assert.deepEqual(fields(s), []);
  assert.deepEqual(s.ports, [{ port: 80, protocol: 'TCP', name: '' }]);
});

test('EndpointSlice: every wrong field is reported with its path', () => {
  const causes = fields(
    slice({
      addressType: 'IPv4',
      endpoints: [{ addresses: [] }, { addresses: ['fd00::1'] }],
      ports: [{ name: 'Bad_Name', port: 70000 }, { name: 'Bad_Name', port: 80 }],
    }),
  );
  assert.ok(causes.some((c) => c.startsWith('endpoints[0].addresses: Required value')), causes.join('\n'));
  assert.ok(causes.some((c) => c.startsWith('endpoints[1].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address')), causes.join('\n'));
  assert.ok(causes.some((c) => c.startsWith('ports[0].port: Invalid value: 70000')), causes.join('\n'));
  assert.ok(causes.some((c) => c.startsWith('ports[0].name: Invalid value: "Bad_Name"')), causes.join('\n'));
  assert.ok(causes.some((c) => c.startsWith('ports[1].name: Duplicate value')), causes.join('\n'));
  assert.ok(fields(slice({ addressType: 'IPv5' })).some((c) => c.startsWith('addressType: Unsupported value')));
  assert.ok(fields({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'x', namespace: 'default' } } as KubeObject).some((c) => c.startsWith('addressType: Required value')));
});

test('podFailurePolicy: a valid policy passes', () => {
  const rules = [
    { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
    { action: 'Count', onExitCodes: { operator: 'NotIn', values: [0, 1] } },
  ];
  assert.deepEqual(fields(job({ podFailurePolicy: { rules } })), []);
});

test('podFailurePolicy: restartPolicy Never, one matcher per rule, no 0 for In, no duplicates, FailIndex needs backoffLimitPerIndex', () => {
  const causes = fields(
    job({
      template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox:1' }] } },
      podFailurePolicy: {
        rules: [
          { action: 'FailJob', onExitCodes: { operator: 'In', values: [0, 3, 3] } },
          { action: 'Ignore', onExitCodes: { operator: 'In', values: [1] }, onPodConditions: [{ type: 'DisruptionTarget' }] },
          { action: 'Count' },
          { action: 'FailIndex', onExitCodes: { operator: 'In', values: [2] } },
        ],
      },
    }),
  );
  const expect = [
    'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
    'spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3',
    'spec.podFailurePolicy.rules[1]: Invalid value: "OnExitCodes and OnPodConditions": specifying both OnExitCodes and OnPodConditions is not supported',
    'spec.podFailurePolicy.rules[2]: Invalid value: "": specifying one of OnExitCodes and OnPodConditions is required',
    'spec.podFailurePolicy.rules[3].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
  ];
  for (const e of expect) assert.ok(causes.includes(e), `missing ${e} in\n${causes.join('\n')}`);
  assert.ok(fields(job({ backoffLimitPerIndex: 1 })).some((c) => c.startsWith('spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode')));
});
