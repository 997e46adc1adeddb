import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../errors';
import { applyStrategicMergePatch } from './strategic-merge-patch';

function rejects(code: 'BadRequest' | 'Invalid', fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isApiError(err, code), `expected ${code}, got ${String(err)}`);
    if (message) assert.match((err as Error).message, message);
    return true;
  });
}

/** A Deployment whose pod template holds the given containers. */
function deployment(containers: object[], extra: { volumes?: object[]; tolerations?: object[] } = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { replicas: 1, template: { metadata: { labels: { app: 'web' } }, spec: { containers, ...extra } } },
  };
}

function templateSpec(obj: any) {
  return obj.spec.template.spec;
}

test('maps merge recursively and null deletes a key', () => {
  const pod = { metadata: { name: 'p', labels: { a: '1', b: '2' }, annotations: { x: 'y' } }, spec: { nodeName: 'n1' } };
  const result = applyStrategicMergePatch(pod, { metadata: { labels: { b: null, c: '3' }, annotations: null }, spec: { priority: 5 } }, 'Pod');
  assert.deepEqual(result, { metadata: { name: 'p', labels: { a: '1', c: '3' } }, spec: { nodeName: 'n1', priority: 5 } });
});

test('containers merge by name in a Deployment template; env merges by name inside them', () => {
  const live = deployment([
    { name: 'nginx', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80 }] },
    { name: 'sidecar', image: 'busybox' },
  ]);
  const result = applyStrategicMergePatch(
    live,
    { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26', env: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }] }] } } } },
    'Deployment',
  );
  assert.deepEqual(templateSpec(result).containers, [
    { name: 'nginx', image: 'nginx:1.26', env: [{ name: 'A', value: '1' }, { name: 'B', value: 'two' }, { name: 'C', value: '3' }], ports: [{ containerPort: 80 }] },
    { name: 'sidecar', image: 'busybox' },
  ]);
});

test('PodSpec metadata applies in Pod, ReplicaSet, DaemonSet, Job and CronJob alike', () => {
  const containers = [{ name: 'a', image: 'one' }, { name: 'b', image: 'two' }];
  const patchSpec = { containers: [{ name: 'b', image: 'three' }] };
  const merged = [{ name: 'a', image: 'one' }, { name: 'b', image: 'three' }];
  assert.deepEqual(applyStrategicMergePatch({ spec: { containers } }, { spec: patchSpec }, 'Pod').spec, { containers: merged });
  for (const kind of ['ReplicaSet', 'DaemonSet', 'Job']) {
    const r: any = applyStrategicMergePatch({ spec: { template: { spec: { containers } } } }, { spec: { template: { spec: patchSpec } } }, kind);
    assert.deepEqual(r.spec.template.spec.containers, merged, kind);
  }
  const cron: any = applyStrategicMergePatch(
    { spec: { jobTemplate: { spec: { template: { spec: { containers } } } } } },
    { spec: { jobTemplate: { spec: { template: { spec: patchSpec } } } } },
    'CronJob',
  );
  assert.deepEqual(cron.spec.jobTemplate.spec.template.spec.containers, merged);
  // A kind without metadata replaces the same list.
  const unknown: any = applyStrategicMergePatch({ spec: { containers } }, { spec: patchSpec }, 'Widget');
  assert.deepEqual(unknown.spec.containers, [{ name: 'b', image: 'three' }]);
});

test('every merge key in the table', () => {
  const pod = {
    metadata: { ownerReferences: [{ uid: 'u1', name: 'rs1' }, { uid: 'u2', name: 'rs2' }] },
    spec: {
      containers: [{ name: 'c', ports: [{ containerPort: 80, name: 'http' }], volumeMounts: [{ mountPath: '/a', name: 'v1' }], volumeDevices: [{ devicePath: '/dev/x', name: 'd1' }] }],
      initContainers: [{ name: 'init', image: 'i1' }],
      ephemeralContainers: [{ name: 'debug', image: 'e1' }],
      volumes: [{ name: 'v1', emptyDir: {} }],
      imagePullSecrets: [{ name: 's1' }],
      hostAliases: [{ ip: '10.0.0.1', hostnames: ['a'] }],
      topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 1 }],
    },
    status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'Initialized', status: 'True' }], podIPs: [{ ip: '10.1.0.5' }] },
  };
  const patch = {
    metadata: { ownerReferences: [{ uid: 'u2', controller: true }] },
    spec: {
      containers: [{ name: 'c', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }], volumeMounts: [{ mountPath: '/b', name: 'v2' }], volumeDevices: [{ devicePath: '/dev/x', name: 'd2' }] }],
      initContainers: [{ name: 'init', image: 'i2' }],
      ephemeralContainers: [{ name: 'debug2', image: 'e2' }],
      volumes: [{ name: 'v2', configMap: { name: 'cm' } }],
      imagePullSecrets: [{ name: 's2' }],
      hostAliases: [{ ip: '10.0.0.1', hostnames: ['b'] }],
      topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 2 }],
    },
    status: { conditions: [{ type: 'Ready', status: 'True' }], podIPs: [{ ip: '10.1.0.5' }, { ip: 'fd00::5' }] },
  };
  assert.deepEqual(applyStrategicMergePatch(pod, patch, 'Pod'), {
    metadata: { ownerReferences: [{ uid: 'u1', name: 'rs1' }, { uid: 'u2', name: 'rs2', controller: true }] },
    spec: {
      containers: [{
        name: 'c',
        ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 443 }],
        volumeMounts: [{ mountPath: '/b', name: 'v2' }, { mountPath: '/a', name: 'v1' }],
        volumeDevices: [{ devicePath: '/dev/x', name: 'd2' }],
      }],
      initContainers: [{ name: 'init', image: 'i2' }],
      // Elements the live list lacks come first when the patch has no $setElementOrder, as in Kubernetes.
      ephemeralContainers: [{ name: 'debug2', image: 'e2' }, { name: 'debug', image: 'e1' }],
      volumes: [{ name: 'v2', configMap: { name: 'cm' } }, { name: 'v1', emptyDir: {} }],
      imagePullSecrets: [{ name: 's2' }, { name: 's1' }],
      hostAliases: [{ ip: '10.0.0.1', hostnames: ['b'] }],
      topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 2 }],
    },
    status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Initialized', status: 'True' }], podIPs: [{ ip: '10.1.0.5' }, { ip: 'fd00::5' }] },
  });

  const svc: any = applyStrategicMergePatch(
    { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } },
    { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
    'Service',
  );
  assert.deepEqual(svc.spec.ports, [{ port: 80, targetPort: 9090 }, { port: 443 }]);

  const node: any = applyStrategicMergePatch(
    { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n1' }], conditions: [{ type: 'Ready', status: 'Unknown' }] } },
    { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.3' }], conditions: [{ type: 'Ready', status: 'True' }, { type: 'MemoryPressure', status: 'False' }] } },
    'Node',
  );
  assert.deepEqual(node.status.addresses, [{ type: 'InternalIP', address: '10.0.0.3' }, { type: 'Hostname', address: 'n1' }]);
  assert.deepEqual(node.status.conditions, [{ type: 'Ready', status: 'True' }, { type: 'MemoryPressure', status: 'False' }]);

  for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet', 'Job', 'Namespace', 'Service']) {
    const r: any = applyStrategicMergePatch(
      { status: { conditions: [{ type: 'A', status: 'True' }, { type: 'B', status: 'True' }] } },
      { status: { conditions: [{ type: 'B', status: 'False' }] } },
      kind,
    );
    assert.deepEqual(r.status.conditions, [{ type: 'A', status: 'True' }, { type: 'B', status: 'False' }], kind);
  }
});

test('lists without a strategy are replaced: tolerations, envFrom, Endpoints subsets, unknown paths', () => {
  const live = deployment([{ name: 'c', envFrom: [{ configMapRef: { name: 'a' } }], args: ['x', 'y'] }], { tolerations: [{ key: 'a', operator: 'Exists' }] });
  const r: any = applyStrategicMergePatch(
    live,
    { spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }], containers: [{ name: 'c', envFrom: [{ secretRef: { name: 's' } }], args: ['z'] }] } } } },
    'Deployment',
  );
  assert.deepEqual(templateSpec(r).tolerations, [{ key: 'b', operator: 'Exists' }]);
  assert.deepEqual(templateSpec(r).containers[0].envFrom, [{ secretRef: { name: 's' } }]);
  assert.deepEqual(templateSpec(r).containers[0].args, ['z']);

  const ep: any = applyStrategicMergePatch(
    { subsets: [{ addresses: [{ ip: '10.1.0.1' }], ports: [{ port: 80 }] }] },
    { subsets: [{ addresses: [{ ip: '10.1.0.2' }] }] },
    'Endpoints',
  );
  assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '10.1.0.2' }] }]);

  const cm = applyStrategicMergePatch({ data: { list: 'x' }, weird: [1, 2] }, { weird: [3] }, 'ConfigMap');
  assert.deepEqual(cm, { data: { list: 'x' }, weird: [3] });
});

test('finalizers and podCIDRs merge as sets of scalars', () => {
  const r: any = applyStrategicMergePatch({ metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['c', 'a'] } }, 'ConfigMap');
  // Patch order first for what the patch names, the live-only 'b' after the 'a' it followed.
  assert.deepEqual(r.metadata.finalizers, ['c', 'a', 'b']);
  const n: any = applyStrategicMergePatch({ spec: { podCIDRs: ['10.0.0.0/24', 'fd00::/64'] } }, { spec: { podCIDRs: ['fd00::/64'] } }, 'Node');
  assert.deepEqual(n.spec.podCIDRs, ['10.0.0.0/24', 'fd00::/64']);
  // Finalizers merge for kinds the table does not list, too (every kind has ObjectMeta).
  const w: any = applyStrategicMergePatch({ metadata: { finalizers: ['a'] } }, { metadata: { finalizers: ['b'] } }, 'Widget');
  assert.deepEqual(w.metadata.finalizers, ['b', 'a']);
});

test('$patch: delete removes a list element by merge key (all duplicates)', () => {
  const live = deployment([{ name: 'a' }, { name: 'b', image: 'x' }, { name: 'a' }, { name: 'c' }]);
  const r = applyStrategicMergePatch(live, { spec: { template: { spec: { containers: [{ name: 'a', $patch: 'delete' }, { name: 'zzz', $patch: 'delete' }] } } } }, 'Deployment');
  assert.deepEqual(templateSpec(r).containers, [{ name: 'b', image: 'x' }, { name: 'c' }]);
  rejects('BadRequest', () => applyStrategicMergePatch(live, { spec: { template: { spec: { containers: [{ $patch: 'delete' }] } } } }, 'Deployment'), /merge key: name/);
});

test('$patch: replace on a list keeps only the patch elements', () => {
  const live = deployment([{ name: 'a', image: '1' }, { name: 'b' }]);
  const r = applyStrategicMergePatch(
    live,
    { spec: { template: { spec: { containers: [{ name: 'c', image: '3', env: [{ name: 'X', $patch: 'delete' }] }, { $patch: 'replace' }] } } } },
    'Deployment',
  );
  assert.deepEqual(templateSpec(r).containers, [{ name: 'c', image: '3', env: [] }]);
  const emptied = applyStrategicMergePatch(live, { spec: { template: { spec: { containers: [{ $patch: 'replace' }] } } } }, 'Deployment');
  assert.deepEqual(templateSpec(emptied).containers, []);
});

test('$patch on maps: replace swaps the map, delete empties it, merge is the default', () => {
  const obj = { metadata: { labels: { a: '1', b: '2' } }, spec: { selector: { matchLabels: { a: '1' } } } };
  const replaced: any = applyStrategicMergePatch(obj, { metadata: { labels: { $patch: 'replace', c: '3', d: null } } }, 'Service');
  assert.deepEqual(replaced.metadata.labels, { c: '3' });
  const deleted: any = applyStrategicMergePatch(obj, { spec: { selector: { $patch: 'delete' } } }, 'Service');
  assert.deepEqual(deleted.spec.selector, {});
  const merged: any = applyStrategicMergePatch(obj, { metadata: { labels: { $patch: 'merge', c: '3' } } }, 'Service');
  assert.deepEqual(merged.metadata.labels, { a: '1', b: '2', c: '3' });
  const whole = applyStrategicMergePatch(obj, { $patch: 'replace', kind: 'Service' }, 'Service');
  assert.deepEqual(whole, { kind: 'Service' });
  rejects('BadRequest', () => applyStrategicMergePatch(obj, { metadata: { $patch: 'explode' } }, 'Service'), /unknown patch type/);
});

test('directives inside a field the original lacks are resolved, never stored', () => {
  const r: any = applyStrategicMergePatch(
    { spec: {} },
    { spec: { containers: [{ name: 'a', env: [{ name: 'X', $patch: 'delete' }, { name: 'Y', value: 'y' }] }], tolerations: null, extra: { gone: null, kept: 1 } } },
    'Pod',
  );
  assert.deepEqual(JSON.parse(JSON.stringify(r)), {
    spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: 'y' }] }], extra: { kept: 1 } },
  });
});

test('$setElementOrder orders merged lists of objects and of scalars', () => {
  const live = deployment([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  const reordered = applyStrategicMergePatch(
    live,
    { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }, { name: 'b' }] } } } },
    'Deployment',
  );
  assert.deepEqual(templateSpec(reordered).containers, [{ name: 'c' }, { name: 'a' }, { name: 'b' }]);

  const withChange = applyStrategicMergePatch(
    live,
    { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'd' }, { name: 'a' }], containers: [{ name: 'd', image: 'new' }, { name: 'c', $patch: 'delete' }] } } } },
    'Deployment',
  );
  assert.deepEqual(templateSpec(withChange).containers, [{ name: 'b' }, { name: 'd', image: 'new' }, { name: 'a' }]);

  // Kubernetes' test: an order entry the list lacks is ignored.
  const sparse: any = applyStrategicMergePatch({ metadata: { finalizers: ['1', '3'] } }, { metadata: { '$setElementOrder/finalizers': ['3', '2', '1'] } }, 'Pod');
  assert.deepEqual(sparse.metadata.finalizers, ['3', '1']);

  rejects(
    'BadRequest',
    () => applyStrategicMergePatch(live, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'b', image: 'x' }, { name: 'a', image: 'y' }] } } } }, 'Deployment'),
    /doesn't match/,
  );
  rejects('BadRequest', () => applyStrategicMergePatch(live, { spec: { template: { spec: { '$setElementOrder/containers': 'a' } } } }, 'Deployment'));
  rejects('BadRequest', () => applyStrategicMergePatch(live, { spec: { template: { spec: { '$setElementOrderX': [] } } } }, 'Deployment'));
});

test('server-only elements keep their place relative to patched ones (Kubernetes order rules)', () => {
  const list = { spec: { containers: [{ name: '1' }, { name: '2', value: 'b' }, { name: '3' }] } };
  const r: any = applyStrategicMergePatch(list, { spec: { containers: [{ name: '3', value: 'c' }, { name: '1', value: 'a' }] } }, 'Pod');
  assert.deepEqual(r.spec.containers, [{ name: '2', value: 'b' }, { name: '3', value: 'c' }, { name: '1', value: 'a' }]);
  const all: any = applyStrategicMergePatch(list, { spec: { containers: [{ name: '3', value: 'c' }, { name: '1', value: 'a' }, { name: '2', other: 'x' }] } }, 'Pod');
  assert.deepEqual(all.spec.containers, [{ name: '3', value: 'c' }, { name: '1', value: 'a' }, { name: '2', value: 'b', other: 'x' }]);
});

test('$retainKeys clears unlisted fields, and every field set must be listed', () => {
  const live = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } };
  const r: any = applyStrategicMergePatch(live, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, 'Deployment');
  assert.deepEqual(r.spec.strategy, { type: 'Recreate' });
  // The exact patch kubectl 1.33 sends for a strategy change.
  const kubectl: any = applyStrategicMergePatch(live, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } }, 'Deployment');
  assert.deepEqual(kubectl.spec.strategy, { type: 'Recreate' });
  const vol: any = applyStrategicMergePatch(
    { spec: { volumes: [{ name: 'v', configMap: { name: 'cm' } }] } },
    { spec: { volumes: [{ name: 'v', $retainKeys: ['name', 'secret'], secret: { secretName: 's' } }] } },
    'Pod',
  );
  assert.deepEqual(vol.spec.volumes, [{ name: 'v', secret: { secretName: 's' } }]);
  rejects('BadRequest', () => applyStrategicMergePatch(live, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 2 } } } }, 'Deployment'), /retainKeys/);
  rejects('BadRequest', () => applyStrategicMergePatch(live, { spec: { strategy: { $retainKeys: 'type' } } }, 'Deployment'), /retainKeys/);
});

test('$deleteFromPrimitiveList removes scalars from a merged list', () => {
  const obj = { metadata: { finalizers: ['a', 'b', 'c', 'b'] } };
  const r: any = applyStrategicMergePatch(obj, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'zzz'], '$setElementOrder/finalizers': ['c', 'a'] } }, 'Pod');
  assert.deepEqual(r.metadata.finalizers, ['c', 'a']);
  const withAdd: any = applyStrategicMergePatch(obj, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], finalizers: ['d'] } }, 'Pod');
  assert.deepEqual(withAdd.metadata.finalizers, ['d', 'b', 'c']);
  const absent: any = applyStrategicMergePatch({ metadata: {} }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, 'Pod');
  assert.deepEqual(absent.metadata, {});
  rejects('BadRequest', () => applyStrategicMergePatch(obj, { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, 'Pod'));
  rejects('BadRequest', () => applyStrategicMergePatch(obj, { metadata: { '$deleteFromPrimitiveListfinalizers': ['a'] } }, 'Pod'));
});

test('type changes replace; lists of lists are 422; mixed element types are 400', () => {
  const r: any = applyStrategicMergePatch({ spec: { containers: [{ name: 'a' }], x: { y: 1 } } }, { spec: { containers: 'oops', x: [1] } }, 'Pod');
  assert.deepEqual(r.spec, { containers: 'oops', x: [1] });
  rejects('Invalid', () => applyStrategicMergePatch({ metadata: { finalizers: ['a'] } }, { metadata: { finalizers: [['b']] } }, 'Pod'), /lists of lists/);
  rejects('BadRequest', () => applyStrategicMergePatch({ spec: { containers: [{ name: 'a' }] } }, { spec: { containers: ['b'] } }, 'Pod'));
  rejects('BadRequest', () => applyStrategicMergePatch({}, [], 'Pod'));
});

test('inputs are never mutated and results share nothing with them', () => {
  const live = deployment([{ name: 'a', env: [{ name: 'X', value: '1' }] }]);
  const patch = { spec: { template: { spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '2' }] }, { name: 'b', $patch: 'delete' }] } } } };
  const liveCopy = structuredClone(live);
  const patchCopy = structuredClone(patch);
  const r: any = applyStrategicMergePatch(live, patch, 'Deployment');
  assert.deepEqual(live, liveCopy);
  assert.deepEqual(patch, patchCopy);
  r.metadata.labels.app = 'changed';
  templateSpec(r).containers[0].env[1].value = 'changed';
  assert.equal(live.metadata.labels.app, 'web');
  assert.equal(patch.spec.template.spec.containers[0].env![0].value, '2');
});

test('a "__proto__" key is data in strategic merge patches too', () => {
  const patch = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":true}}},"spec":{"containers":[{"name":"a","__proto__":{"x":1}}]}}');
  const r: any = applyStrategicMergePatch({ metadata: { labels: {} }, spec: { containers: [{ name: 'a' }] } }, patch, 'Pod');
  assert.equal(({} as any).polluted, undefined);
  assert.equal(Object.getPrototypeOf(r.metadata.labels), Object.prototype);
  assert.deepEqual(Object.keys(r.spec.containers[0]), ['name', '__proto__']);
});
