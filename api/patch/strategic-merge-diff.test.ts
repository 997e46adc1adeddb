import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch, createThreeWayStrategicMergePatch, createTwoWayStrategicMergePatch } from './strategic-merge-patch';

/** Builds Deployments for the tests; `live()` adds what the server fills in. */
function makeDeployment() {
  const obj: any = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] as any[] } } },
  };
  const b = {
    replicas(n: number | undefined) {
      if (n === undefined) delete obj.spec.replicas;
      else obj.spec.replicas = n;
      return b;
    },
    container(c: object) {
      obj.spec.template.spec.containers.push(c);
      return b;
    },
    set(fn: (o: any) => void) {
      fn(obj);
      return b;
    },
    obj: () => structuredClone(obj),
    /** As the apiserver stores it: identity, defaults, status. */
    live() {
      const o = structuredClone(obj);
      o.metadata.uid = 'uid-1';
      o.metadata.resourceVersion = '42';
      o.metadata.generation = 3;
      o.spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
      o.spec.template.spec.dnsPolicy = 'ClusterFirst';
      for (const c of o.spec.template.spec.containers) {
        c.terminationMessagePath = '/dev/termination-log';
        c.imagePullPolicy ??= 'IfNotPresent';
      }
      o.status = { replicas: o.spec.replicas ?? 1, conditions: [{ type: 'Available', status: 'True' }] };
      return o;
    },
  };
  return b;
}

/** kubectl apply: compute the patch from (last-applied, manifest, live) and apply it to live. */
function kubectlApply(lastApplied: unknown, manifest: unknown, live: unknown, kind = 'Deployment') {
  const patch = createThreeWayStrategicMergePatch(lastApplied, manifest, live, kind);
  return { patch, result: applyStrategicMergePatch(live, patch, kind) as any };
}

test('the kubectl 1.33 example, byte for byte', () => {
  const last = makeDeployment()
    .container({ name: 'nginx', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] })
    .container({ name: 'sidecar', image: 'busybox' });
  const manifest = makeDeployment().replicas(3).container({ name: 'nginx', image: 'nginx:1.26', env: [{ name: 'A', value: '1' }] });
  const { patch, result } = kubectlApply(last.obj(), manifest.obj(), last.live());
  assert.equal(
    JSON.stringify(patch),
    '{"spec":{"replicas":3,"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"containers":[{"$setElementOrder/env":[{"name":"A"}],"env":[{"$patch":"delete","name":"B"}],"image":"nginx:1.26","name":"nginx"},{"$patch":"delete","name":"sidecar"}]}}}}',
  );
  assert.equal(result.spec.replicas, 3);
  assert.deepEqual(result.spec.template.spec.containers, [
    { name: 'nginx', image: 'nginx:1.26', env: [{ name: 'A', value: '1' }], terminationMessagePath: '/dev/termination-log', imagePullPolicy: 'IfNotPresent' },
  ]);
  assert.equal(result.spec.template.spec.dnsPolicy, 'ClusterFirst', 'server defaults survive');
  assert.equal(result.metadata.uid, 'uid-1');
  assert.deepEqual(result.status, last.live().status);
});

test('the kubectl strategy change example: $retainKeys and rollingUpdate: null', () => {
  const rolling = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
  const last = makeDeployment().container({ name: 'c', image: 'i' }).set((o) => (o.spec.strategy = rolling));
  const manifest = makeDeployment().container({ name: 'c', image: 'i' }).set((o) => (o.spec.strategy = { type: 'Recreate' }));
  const { patch, result } = kubectlApply(last.obj(), manifest.obj(), last.live());
  assert.equal(JSON.stringify(patch), '{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"}}}');
  assert.deepEqual(result.spec.strategy, { type: 'Recreate' });

  // Never applied before: the live strategy came from defaulting, and $retainKeys still clears it.
  const defaulted = makeDeployment().container({ name: 'c', image: 'i' });
  const again = kubectlApply(defaulted.obj(), manifest.obj(), defaulted.live());
  assert.deepEqual(again.patch, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
  assert.deepEqual(again.result.spec.strategy, { type: 'Recreate' });
});

test('an unchanged manifest gives an empty patch despite server-filled fields', () => {
  const d = makeDeployment().container({ name: 'c', image: 'i', ports: [{ containerPort: 80 }] });
  assert.deepEqual(createThreeWayStrategicMergePatch(d.obj(), d.obj(), d.live(), 'Deployment'), {});
});

test('round trips: applying the 3-way patch to live gives the expected object', () => {
  interface Case {
    name: string;
    last: any;
    manifest: any;
    live: any;
    kind?: string;
    /** Live has list elements the manifest lacks: kubectl keeps sending $setElementOrder, as in Kubernetes. */
    liveOnlyElements?: boolean;
    check: (result: any, patch: any) => void;
  }
  const base = () => makeDeployment().container({ name: 'a', image: 'a:1' }).container({ name: 'b', image: 'b:1' });
  const cases: Case[] = [
    {
      name: 'add a container at the end',
      last: base().obj(),
      manifest: base().container({ name: 'c', image: 'c:1' }).obj(),
      live: base().live(),
      check: (r) => assert.deepEqual(r.spec.template.spec.containers.map((c: any) => c.name), ['a', 'b', 'c']),
    },
    {
      name: 'reorder containers',
      last: base().obj(),
      manifest: makeDeployment().container({ name: 'b', image: 'b:1' }).container({ name: 'a', image: 'a:1' }).obj(),
      live: base().live(),
      check: (r, patch) => {
        assert.deepEqual(r.spec.template.spec.containers.map((c: any) => c.name), ['b', 'a']);
        assert.deepEqual(patch, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } } } });
      },
    },
    {
      name: 'a container injected by someone else survives removing one of ours',
      last: base().obj(),
      manifest: makeDeployment().container({ name: 'a', image: 'a:2' }).obj(),
      live: base().container({ name: 'istio-proxy', image: 'proxy' }).live(),
      liveOnlyElements: true,
      check: (r) => {
        assert.deepEqual(r.spec.template.spec.containers.map((c: any) => [c.name, c.image]), [['a', 'a:2'], ['istio-proxy', 'proxy']]);
      },
    },
    {
      name: 'env: change one, remove one, keep one injected live',
      last: makeDeployment().container({ name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }).obj(),
      manifest: makeDeployment().container({ name: 'a', env: [{ name: 'X', value: '9' }] }).obj(),
      live: makeDeployment().container({ name: 'a', env: [{ name: 'X', value: '1' }, { name: 'INJECTED', value: 'z' }, { name: 'Y', value: '2' }] }).live(),
      liveOnlyElements: true,
      check: (r) => assert.deepEqual(r.spec.template.spec.containers[0].env, [{ name: 'X', value: '9' }, { name: 'INJECTED', value: 'z' }]),
    },
    {
      name: 'labels: ours removed, a controller\'s kept, a new one added',
      last: base().set((o) => (o.metadata.labels = { app: 'web', old: 'x' })).obj(),
      manifest: base().set((o) => (o.metadata.labels = { app: 'web', tier: 'fe' })).obj(),
      live: base().set((o) => (o.metadata.labels = { app: 'web', old: 'x', 'controller.io/hash': 'h' })).live(),
      check: (r) => assert.deepEqual(r.metadata.labels, { app: 'web', 'controller.io/hash': 'h', tier: 'fe' }),
    },
    {
      name: 'finalizers: remove ours, add one, keep a controller\'s',
      last: base().set((o) => (o.metadata.finalizers = ['a', 'b'])).obj(),
      manifest: base().set((o) => (o.metadata.finalizers = ['a', 'c'])).obj(),
      live: base().set((o) => (o.metadata.finalizers = ['a', 'b', 'x'])).live(),
      liveOnlyElements: true,
      check: (r, patch) => {
        assert.deepEqual(patch.metadata, { '$deleteFromPrimitiveList/finalizers': ['b'], '$setElementOrder/finalizers': ['a', 'c'], finalizers: ['c'] });
        assert.deepEqual(r.metadata.finalizers, ['a', 'c', 'x']);
      },
    },
    {
      name: 'volumes: a volume changes source type ($retainKeys per element)',
      last: base().set((o) => (o.spec.template.spec.volumes = [{ name: 'cfg', configMap: { name: 'cm' } }])).obj(),
      manifest: base().set((o) => (o.spec.template.spec.volumes = [{ name: 'cfg', secret: { secretName: 's' } }])).obj(),
      live: base().set((o) => (o.spec.template.spec.volumes = [{ name: 'cfg', configMap: { name: 'cm', defaultMode: 420 } }])).live(),
      check: (r, patch) => {
        assert.deepEqual(r.spec.template.spec.volumes, [{ name: 'cfg', secret: { secretName: 's' } }]);
        assert.deepEqual(patch.spec.template.spec.volumes, [{ $retainKeys: ['name', 'secret'], configMap: null, name: 'cfg', secret: { secretName: 's' } }]);
      },
    },
    {
      name: 'replicas left to an autoscaler when the manifest drops them',
      last: base().replicas(undefined).obj(),
      manifest: base().replicas(undefined).container({ name: 'c', image: 'c' }).obj(),
      live: base().replicas(7).live(),
      check: (r) => assert.equal(r.spec.replicas, 7),
    },
    {
      name: 'replicas removed from the manifest after being applied are deleted',
      last: base().replicas(2).obj(),
      manifest: base().replicas(undefined).obj(),
      live: base().replicas(2).live(),
      check: (r, patch) => {
        assert.equal(r.spec.replicas, undefined);
        assert.deepEqual(patch, { spec: { replicas: null } });
      },
    },
    {
      name: 'tolerations and args (no strategy) are replaced whole',
      last: makeDeployment().container({ name: 'a', args: ['1', '2'] }).set((o) => (o.spec.template.spec.tolerations = [{ key: 'x', operator: 'Exists' }])).obj(),
      manifest: makeDeployment().container({ name: 'a', args: ['3'] }).set((o) => (o.spec.template.spec.tolerations = [{ key: 'y', operator: 'Exists' }])).obj(),
      live: makeDeployment().container({ name: 'a', args: ['1', '2'] }).set((o) => (o.spec.template.spec.tolerations = [{ key: 'x', operator: 'Exists' }, { key: 'node.kubernetes.io/not-ready', operator: 'Exists' }])).live(),
      check: (r) => {
        assert.deepEqual(r.spec.template.spec.tolerations, [{ key: 'y', operator: 'Exists' }]);
        assert.deepEqual(r.spec.template.spec.containers[0].args, ['3']);
      },
    },
    {
      name: 'first apply over an object created otherwise deletes nothing',
      last: undefined,
      manifest: makeDeployment().container({ name: 'a', image: 'a:2' }).obj(),
      live: base().set((o) => (o.metadata.labels.extra = 'y')).live(),
      liveOnlyElements: true,
      check: (r) => {
        assert.deepEqual(r.spec.template.spec.containers.map((c: any) => [c.name, c.image]), [['a', 'a:2'], ['b', 'b:1']]);
        assert.equal(r.metadata.labels.extra, 'y');
      },
    },
    {
      name: 'Service ports merge by port; the allocated nodePort survives',
      kind: 'Service',
      last: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } },
      manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 9090 }, { port: 8443 }] } },
      live: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', uid: 'u' }, spec: { type: 'NodePort', clusterIP: '10.96.0.9', ports: [{ port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }, { port: 443, nodePort: 30443, protocol: 'TCP' }] } },
      check: (r) => {
        assert.equal(r.spec.clusterIP, '10.96.0.9');
        assert.deepEqual(r.spec.ports, [{ port: 80, targetPort: 9090, nodePort: 30080, protocol: 'TCP' }, { port: 8443 }]);
      },
    },
    {
      name: 'CronJob: containers deep in jobTemplate merge by name',
      kind: 'CronJob',
      last: { kind: 'CronJob', spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'j', image: '1', env: [{ name: 'E', value: 'x' }] }] } } } } } },
      manifest: { kind: 'CronJob', spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'j', image: '2' }] } } } } } },
      live: { kind: 'CronJob', spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'j', image: '1', env: [{ name: 'E', value: 'x' }], imagePullPolicy: 'Always' }] } } } } } },
      check: (r) => {
        assert.equal(r.spec.schedule, '*/5 * * * *');
        assert.deepEqual(r.spec.jobTemplate.spec.template.spec.containers, [{ name: 'j', image: '2', imagePullPolicy: 'Always' }]);
      },
    },
  ];
  for (const c of cases) {
    const patch = createThreeWayStrategicMergePatch(c.last, c.manifest, c.live, c.kind ?? 'Deployment');
    const result = applyStrategicMergePatch(c.live, patch, c.kind ?? 'Deployment');
    try {
      c.check(result, patch);
    } catch (err) {
      (err as Error).message = `${c.name}: ${(err as Error).message}\npatch: ${JSON.stringify(patch)}`;
      throw err;
    }
    // Applying the same manifest again changes nothing.
    const again = createThreeWayStrategicMergePatch(c.manifest, c.manifest, result, c.kind ?? 'Deployment');
    assert.deepEqual(applyStrategicMergePatch(result, again, c.kind ?? 'Deployment'), result, `${c.name}: second apply`);
    if (!c.liveOnlyElements) assert.deepEqual(again, {}, `${c.name}: second patch is empty`);
  }
});

test('two-way patches turn the original into the modified object', () => {
  const pairs: [any, any, string][] = [
    [
      makeDeployment().container({ name: 'a', ports: [{ containerPort: 80 }], env: [{ name: 'X', value: '1' }] }).container({ name: 'b' }).set((o) => (o.metadata.finalizers = ['f1', 'f2'])).obj(),
      makeDeployment().container({ name: 'b', image: 'new' }).container({ name: 'a', ports: [{ containerPort: 8080 }], env: [{ name: 'Y', value: '2' }] }).set((o) => (o.metadata.finalizers = ['f2', 'f3'])).obj(),
      'Deployment',
    ],
    [{ metadata: { name: 'x' }, data: { a: '1', b: '2' } }, { metadata: { name: 'x' }, data: { b: '3' }, binaryData: {} }, 'ConfigMap'],
    [
      { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } },
      { status: { conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True', reason: 'ok' }] } },
      'Pod',
    ],
  ];
  for (const [original, modified, kind] of pairs) {
    const patch = createTwoWayStrategicMergePatch(original, modified, kind);
    assert.deepEqual(applyStrategicMergePatch(original, patch, kind), modified, JSON.stringify(patch));
    assert.deepEqual(createTwoWayStrategicMergePatch(modified, modified, kind), {});
  }
});

test('patch computation leaves its inputs alone', () => {
  const last = makeDeployment().container({ name: 'a', env: [{ name: 'X', value: '1' }] });
  const manifest = makeDeployment().container({ name: 'a', env: [] }).replicas(2);
  const [l, m, c] = [last.obj(), manifest.obj(), last.live()];
  const copies = structuredClone([l, m, c]);
  const patch: any = createThreeWayStrategicMergePatch(l, m, c, 'Deployment');
  assert.deepEqual([l, m, c], copies);
  patch.spec.replicas = 99;
  assert.equal(m.spec.replicas, 2);
});
