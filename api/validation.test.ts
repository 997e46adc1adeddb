import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatusCause } from './errors';
import { validateObject, unknownFields, withoutNulls, strictDecodingMessage } from './validation';
import { applyDefaults } from './defaults';
import type { KubeObject } from './types';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function deployment(spec: Any = {}): KubeObject & Any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
      ...spec,
    },
  };
}

function pod(spec: Any, meta: Any = { name: 'p', namespace: 'default' }): KubeObject & Any {
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
}

function byField(causes: StatusCause[]): Record<string, StatusCause[]> {
  const out: Record<string, StatusCause[]> = {};
  for (const c of causes) (out[c.field ?? ''] ??= []).push(c);
  return out;
}

test('valid objects of every kind pass, before and after defaulting', () => {
  const objects: Any[] = [
    deployment(),
    pod({ containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'sleep 1'], resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 1, memory: '128Mi' } } }] }),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', creationTimestamp: null } },
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.1.0/24', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }, status: { capacity: { cpu: '2', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-01-01T00:00:00Z' }], addresses: [{ type: 'InternalIP', address: '10.0.0.2' }], nodeInfo: { kubeletVersion: 'v1.30.0' } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 'https' }] } },
    { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { 'app.conf': 'x' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { password: 'aHVudGVyMg==' }, stringData: { user: 'me' } },
    { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e.1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'Started', count: 1, eventTime: null },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'default' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'kube-system' }, spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['agent'] }] }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'x' }], tolerations: [{ operator: 'Exists' }] } } } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default' }, spec: { backoffLimit: 4, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } } } },
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'tick', namespace: 'default' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'x' }] } } } } } },
    { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2024-01-01T00:00:00.123456Z' } },
    { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000, globalDefault: false },
  ];
  for (const o of objects) {
    assert.deepEqual(validateObject(o), [], `${o.kind} as written`);
    assert.deepEqual(validateObject(applyDefaults(structuredClone(o) as KubeObject)), [], `${o.kind} after defaulting`);
    assert.deepEqual(unknownFields(o), [], `${o.kind} has no unknown fields`);
  }
});

test('a multi-error Deployment reports every bad path at once', () => {
  const d = deployment({ replicas: -1 });
  d.spec.template.spec.restartPolicy = 'Sometimes';
  d.spec.template.spec.containers = [{ name: 'web', imagePullPolize: 'Always' }];
  const causes = validateObject(d);
  assert.deepEqual(causes, [
    { reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' },
    {
      reason: 'FieldValueNotSupported',
      field: 'spec.template.spec.restartPolicy',
      message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    },
    { reason: 'FieldValueRequired', field: 'spec.template.spec.containers[0].image', message: 'Required value' },
  ]);
  assert.deepEqual(unknownFields(d), ['spec.template.spec.containers[0].imagePullPolize']);
});

test('type errors, enums and ranges across a Pod', () => {
  const causes = byField(
    validateObject(
      pod({
        containers: [
          { name: 'a', image: 'x', ports: [{ containerPort: 'http' }], imagePullPolicy: 'Sometimes' },
          { name: 'a', image: 'y', ports: [{ containerPort: 70000 }] },
        ],
        terminationGracePeriodSeconds: -5,
        dnsPolicy: 'Nope',
        priority: 2.5,
        nodeSelector: { 'bad key': 'v' },
      }),
    ),
  );
  assert.equal(causes['spec.containers[0].ports[0].containerPort'][0].reason, 'FieldValueTypeInvalid');
  assert.match(causes['spec.containers[0].ports[0].containerPort'][0].message!, /must be of type integer: "string"/);
  assert.equal(causes['spec.containers[0].imagePullPolicy'][0].message, 'Unsupported value: "Sometimes": supported values: "Always", "Never", "IfNotPresent"');
  assert.deepEqual(causes['spec.containers[1].name'], [{ reason: 'FieldValueDuplicate', field: 'spec.containers[1].name', message: 'Duplicate value: "a"' }]);
  assert.equal(causes['spec.containers[1].ports[0].containerPort'][0].message, 'Invalid value: 70000: must be between 1 and 65535, inclusive');
  assert.equal(causes['spec.terminationGracePeriodSeconds'][0].message, 'Invalid value: -5: must be greater than or equal to 0');
  assert.equal(causes['spec.dnsPolicy'][0].reason, 'FieldValueNotSupported');
  assert.equal(causes['spec.priority'][0].reason, 'FieldValueTypeInvalid');
  assert.equal(causes['spec.nodeSelector'][0].reason, 'FieldValueInvalid');
});

test('metadata: names, namespaces, labels and annotations', () => {
  const bad = byField(
    validateObject(
      pod({ containers: [{ name: 'c', image: 'x' }] }, {
        name: 'Bad_Name',
        namespace: 'Not.A.Label',
        labels: { 'ok': 'fine', 'bad key': 'v', k: '-bad-' },
        annotations: { 'x/y/z': 'v' },
      }),
    ),
  );
  assert.match(bad['metadata.name'][0].message!, /^Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  assert.match(bad['metadata.namespace'][0].message!, /a lowercase RFC 1123 label/);
  assert.deepEqual(bad['metadata.labels'].map((c) => c.message!.slice(0, 24)), ['Invalid value: "bad key"', 'Invalid value: "-bad-": ']);
  assert.match(bad['metadata.annotations'][0].message!, /^Invalid value: "x\/y\/z"/);

  assert.deepEqual(validateObject(pod({ containers: [{ name: 'c', image: 'x' }] }, { namespace: 'default' })), [
    { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
  ]);
  assert.deepEqual(validateObject(pod({ containers: [{ name: 'c', image: 'x' }] }, { generateName: 'web-', namespace: 'default' })), []);

  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: '1web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } };
  assert.match(validateObject(svc)[0].message!, /DNS-1035 label/);
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } };
  assert.match(validateObject(ns)[0].message!, /RFC 1123 label/);
  const clusterScoped = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', namespace: 'default' } };
  assert.deepEqual(validateObject(clusterScoped), [{ reason: 'FieldValueForbidden', field: 'metadata.namespace', message: 'Forbidden: not allowed on this type' }]);
});

test('workload selectors must exist and match their template', () => {
  const noSelector = deployment();
  delete noSelector.spec.selector;
  assert.deepEqual(validateObject(noSelector), [{ reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' }]);

  const mismatch = validateObject(deployment({ selector: { matchLabels: { app: 'api' } } }));
  assert.deepEqual(mismatch.map((c) => [c.field, c.reason]), [['spec.template.metadata.labels', 'FieldValueInvalid']]);
  assert.match(mismatch[0].message!, /`selector` does not match template `labels`/);

  const empty = validateObject(deployment({ selector: {} }));
  assert.match(empty[0].message!, /empty selector is invalid for deployment/);

  const badExpr = validateObject(deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'In' }] } }));
  assert.deepEqual(badExpr.map((c) => c.field), ['spec.selector.matchExpressions[0].values']);

  const neverRestart = deployment();
  neverRestart.spec.template.spec.restartPolicy = 'Never';
  assert.deepEqual(validateObject(neverRestart), [
    { reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "Never": supported values: "Always"' },
  ]);

  const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', namespace: 'default' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'c' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } };
  assert.deepEqual(validateObject(ds).map((c) => c.field), ['spec.template.metadata.labels']);
});

test('rolling update parameters', () => {
  const causes = validateObject(deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } }));
  assert.deepEqual(causes, [
    { reason: 'FieldValueInvalid', field: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'Invalid value: "0%": may not be 0 when `maxSurge` is 0' },
  ]);
  const bad = byField(validateObject(deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '5', maxUnavailable: '150%' } } })));
  assert.match(bad['spec.strategy.rollingUpdate.maxSurge'][0].message!, /a valid percent string/);
  assert.match(bad['spec.strategy.rollingUpdate.maxUnavailable'][0].message!, /must not be greater than 100%/);
  const recreate = validateObject(deployment({ strategy: { type: 'Recreate', rollingUpdate: {} } }));
  assert.deepEqual(recreate.map((c) => [c.field, c.reason]), [['spec.strategy.rollingUpdate', 'FieldValueForbidden']]);
});

test('Jobs need OnFailure or Never; CronJobs need a schedule', () => {
  const job = (restartPolicy?: string) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'default' },
    spec: { template: { spec: { restartPolicy, containers: [{ name: 'c', image: 'x' }] } } },
  });
  assert.deepEqual(validateObject(job('Always')), [
    { reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "Always": supported values: "OnFailure", "Never"' },
  ]);
  assert.deepEqual(validateObject(applyDefaults(job() as KubeObject)).map((c) => c.reason), ['FieldValueNotSupported'], 'a defaulted Job template says Always, which Jobs refuse');
  assert.deepEqual(validateObject(job()), [
    { reason: 'FieldValueRequired', field: 'spec.template.spec.restartPolicy', message: 'Required value: valid values: "OnFailure", "Never"' },
  ]);
  assert.deepEqual(validateObject(job('OnFailure')), []);

  const cron = (schedule: unknown) => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'c', namespace: 'default' },
    spec: { schedule, jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } } },
  });
  assert.deepEqual(validateObject(cron('')), [{ reason: 'FieldValueRequired', field: 'spec.schedule', message: 'Required value' }]);
  assert.deepEqual(validateObject(cron(undefined)), [{ reason: 'FieldValueRequired', field: 'spec.schedule', message: 'Required value' }]);
  assert.deepEqual(validateObject(cron('@hourly')), []);
  assert.deepEqual(validateObject(cron('not a cron')).map((c) => c.field), ['spec.schedule']);
});

test('Services: ports, names and target ports', () => {
  const svc = (spec: Any) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec });
  assert.deepEqual(validateObject(svc({ selector: { a: 'b' } })), [{ reason: 'FieldValueRequired', field: 'spec.ports', message: 'Required value' }]);
  const causes = byField(validateObject(svc({ type: 'Magic', ports: [{ port: 0 }, { name: 'a', port: 80, targetPort: 'Not_A_Name' }] })));
  assert.equal(causes['spec.type'][0].reason, 'FieldValueNotSupported');
  assert.equal(causes['spec.ports[0].port'][0].message, 'Invalid value: 0: must be between 1 and 65535, inclusive');
  assert.equal(causes['spec.ports[0].name'][0].reason, 'FieldValueRequired');
  assert.equal(causes['spec.ports[1].targetPort'][0].reason, 'FieldValueInvalid');
  assert.deepEqual(validateObject(svc({ clusterIP: 'None' })), [], 'headless services may have no ports');
});

test('containers: volumes, env, resources and probes', () => {
  const causes = byField(
    validateObject(
      pod({
        volumes: [{ name: 'data', emptyDir: {} }, { name: 'data', emptyDir: {} }, { name: 'two', emptyDir: {}, hostPath: { path: '/x' } }],
        containers: [
          {
            name: 'c',
            image: 'x',
            volumeMounts: [{ name: 'missing', mountPath: '/m' }],
            env: [{ name: '1BAD' }, { name: 'V', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            resources: { requests: { cpu: '2', memory: 'lots' }, limits: { cpu: '1' } },
            livenessProbe: { successThreshold: 2, httpGet: { port: 99999 } },
            readinessProbe: {},
          },
        ],
      }),
    ),
  );
  assert.equal(causes['spec.volumes[1].name'][0].reason, 'FieldValueDuplicate');
  assert.equal(causes['spec.volumes[2].emptyDir'][0].reason, 'FieldValueForbidden');
  assert.deepEqual(causes['spec.containers[0].volumeMounts[0].name'], [{ reason: 'FieldValueNotFound', field: 'spec.containers[0].volumeMounts[0].name', message: 'Not found: "missing"' }]);
  assert.match(causes['spec.containers[0].env[0].name'][0].message!, /a valid environment variable name/);
  assert.match(causes['spec.containers[0].env[1].valueFrom'][0].message!, /may not be specified when `value` is not empty/);
  assert.equal(causes['spec.containers[0].resources.requests'][0].message, 'Invalid value: "2": must be less than or equal to cpu limit of 1');
  assert.match(causes['spec.containers[0].resources.requests[memory]'][0].message!, /quantities must match the regular expression/);
  assert.equal(causes['spec.containers[0].livenessProbe.successThreshold'][0].message, 'Invalid value: 2: must be 1');
  assert.equal(causes['spec.containers[0].livenessProbe.httpGet.port'][0].reason, 'FieldValueInvalid');
  assert.equal(causes['spec.containers[0].readinessProbe'][0].message, 'Required value: must specify a handler type');
  assert.deepEqual(validateObject(pod({ containers: [] })), [{ reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' }]);
});

test('map keys appear in brackets in field paths', () => {
  const causes = validateObject(pod({ containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: true } } }] }));
  assert.deepEqual(causes.map((c) => [c.field, c.reason]), [['spec.containers[0].resources.limits[cpu]', 'FieldValueTypeInvalid']]);
});

test('nulls read as unset, as Go decodes JSON', () => {
  assert.deepEqual(withoutNulls({ a: null, b: [null, { c: null, d: 1 }] }), { b: [null, { d: 1 }] });
  const d = deployment({ strategy: null });
  (d.metadata as Any).creationTimestamp = null;
  d.spec.template.metadata.creationTimestamp = null;
  assert.deepEqual(validateObject(d), []);
  const missingImage = deployment();
  missingImage.spec.template.spec.containers[0].image = null;
  assert.deepEqual(validateObject(missingImage).map((c) => c.field), ['spec.template.spec.containers[0].image']);
});

test('unknown kinds and non-objects', () => {
  assert.deepEqual(validateObject({ apiVersion: 'v1', kind: 'Widget', metadata: { name: 'w' } }).map((c) => [c.field, c.reason]), [['kind', 'FieldValueNotSupported']]);
  assert.deepEqual(validateObject({ metadata: {} }).map((c) => c.field), ['apiVersion', 'kind']);
  assert.equal(validateObject('nope')[0].reason, 'FieldValueTypeInvalid');
  assert.deepEqual(unknownFields({ apiVersion: 'v1', kind: 'Widget', spec: { x: 1 } }), []);
});

test('unknownFields walks structs, maps and lists, and leaves free-form maps alone', () => {
  const p = pod({
    containers: [{ name: 'c', image: 'x', bogus: 1, resources: { limits: { cpu: '1' }, extra: {} } }],
    nodeSelector: { anything: 'goes' },
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['v'], oops: true }] }] } } },
  });
  p.topLevel = true;
  p.metadata.labels = { a: 'b' };
  p.metadata.managedFields = [{ manager: 'kubectl', fieldsV1: { 'f:spec': { 'f:containers': {} } } }];
  assert.deepEqual(unknownFields(p), [
    'spec.containers[0].bogus',
    'spec.containers[0].resources.extra',
    'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].oops',
    'topLevel',
  ]);
  assert.equal(strictDecodingMessage(['a.b', 'c']), 'strict decoding error: unknown field "a.b", unknown field "c"');
});
