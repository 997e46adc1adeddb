// Bodies built the way kubectl's protobuf serializer (gogo-generated Marshal)
// writes them: every non-pointer field is present, even when empty, and the
// decoder must give back the JSON kubectl would otherwise have sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../errors';
import { decodeKubernetesProtobuf } from './decode-object';
import { PROTOBUF_MAGIC } from './envelope';
import { WireWriter, encodeEnvelope } from './wire-writer';

type Build = (w: WireWriter) => unknown;

function objectMeta(name: string, labels: Record<string, string> = {}, namespace = ''): Build {
  return (w) => {
    w.string(1, name).string(2, '').string(3, namespace).string(4, '').string(5, '').string(6, '').varint(7, 0);
    w.message(8, () => {}); // creationTimestamp: Go zero time
    for (const [k, v] of Object.entries(labels)) w.mapEntry(11, k, (e) => e.string(2, v));
  };
}

function body(apiVersion: string, kind: string, build: Build): Uint8Array {
  const w = new WireWriter();
  build(w);
  return encodeEnvelope(apiVersion, kind, w.finish());
}

const container = (name: string, image: string, command: string[]): Build => (c) => {
  c.string(1, name).string(2, image);
  for (const arg of command) c.string(3, arg);
  c.string(5, '');
  c.message(8, () => {}); // resources: {}
  c.string(13, '').string(14, '').bool(16, false).bool(17, false).bool(18, false).string(20, '');
};

const podTemplate = (labels: Record<string, string>, containers: Build[], restartPolicy = ''): Build => (t) => {
  t.message(1, objectMeta('', labels));
  t.message(2, (spec) => {
    for (const c of containers) spec.message(2, c);
    spec.string(3, restartPolicy).string(6, '').string(8, '').string(9, '').string(10, '');
    spec.bool(11, false).bool(12, false).bool(13, false).string(16, '').string(17, '').string(19, '');
  });
};

test('kubectl create namespace', () => {
  const obj = decodeKubernetesProtobuf(
    body('v1', 'Namespace', (w) => w.message(1, objectMeta('pbtest')).message(2, () => {}).message(3, (s) => s.string(1, ''))),
  );
  assert.deepEqual(obj, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'pbtest', creationTimestamp: null },
    spec: {},
    status: {},
  });
});

test('kubectl create configmap --from-literal, with binaryData and immutable=false', () => {
  const obj = decodeKubernetesProtobuf(
    body('v1', 'ConfigMap', (w) =>
      w.message(1, objectMeta('settings', {}, 'team-a'))
        .mapEntry(2, 'greeting', (e) => e.string(2, 'hello'))
        .mapEntry(2, 'empty', (e) => e.string(2, ''))
        .mapEntry(3, 'blob', (e) => e.bytes(2, Uint8Array.of(1, 2, 3)))
        .bool(4, false),
    ),
  );
  assert.deepEqual(obj, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'team-a', creationTimestamp: null },
    data: { greeting: 'hello', empty: '' },
    binaryData: { blob: 'AQID' },
    immutable: false,
  });
});

test('kubectl create secret generic: data is base64 in JSON', () => {
  const obj = decodeKubernetesProtobuf(
    body('v1', 'Secret', (w) =>
      w.message(1, objectMeta('creds')).mapEntry(2, 'password', (e) => e.bytes(2, Buffer.from('s3cr3t'))).string(3, 'Opaque'),
    ),
  );
  assert.deepEqual(obj.data, { password: Buffer.from('s3cr3t').toString('base64') });
  assert.equal(obj.type, 'Opaque');
});

test('kubectl create deployment --image --replicas=0 keeps replicas: 0', () => {
  const obj = decodeKubernetesProtobuf(
    body('apps/v1', 'Deployment', (w) => {
      w.message(1, objectMeta('web', { app: 'web' }));
      w.message(2, (spec) => {
        spec.varint(1, 0);
        spec.message(2, (sel) => sel.mapEntry(1, 'app', (e) => e.string(2, 'web')));
        spec.message(3, podTemplate({ app: 'web' }, [container('busybox', 'busybox:1.35', ['sleep', '3600'])]));
        spec.message(4, (s) => s.string(1, ''));
        spec.varint(5, 0).bool(7, false);
      });
      w.message(3, (s) => s.varint(1, 0).varint(2, 0).varint(3, 0).varint(4, 0).varint(5, 0).varint(7, 0));
    }),
  );
  assert.deepEqual(obj, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, creationTimestamp: null },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: { containers: [{ name: 'busybox', image: 'busybox:1.35', command: ['sleep', '3600'], resources: {} }] },
      },
      strategy: {},
    },
    status: {},
  });
});

test('kubectl create service clusterip: ports with an IntOrString targetPort', () => {
  const obj = decodeKubernetesProtobuf(
    body('v1', 'Service', (w) => {
      w.message(1, objectMeta('api', { app: 'api' }));
      w.message(2, (spec) => {
        spec.message(1, (p) => p.string(1, '80-8080').string(2, 'TCP').varint(3, 80).message(4, (t) => t.varint(1, 0).varint(2, 8080).string(3, '')).varint(5, 0));
        spec.message(1, (p) => p.string(1, 'metrics').string(2, 'TCP').varint(3, 9090).message(4, (t) => t.varint(1, 1).varint(2, 0).string(3, 'metrics')).varint(5, 0));
        spec.mapEntry(2, 'app', (e) => e.string(2, 'api')).string(3, '').string(4, 'ClusterIP').string(7, '');
      });
      w.message(3, (s) => s.message(1, () => {}));
    }),
  );
  assert.deepEqual(obj.spec, {
    ports: [
      { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
      { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 'metrics' },
    ],
    selector: { app: 'api' },
    type: 'ClusterIP',
  });
  assert.deepEqual(obj.status, { loadBalancer: {} });
});

test('kubectl create cronjob: jobTemplate → job spec → pod template', () => {
  const obj = decodeKubernetesProtobuf(
    body('batch/v1', 'CronJob', (w) => {
      w.message(1, objectMeta('tick'));
      w.message(2, (spec) => {
        spec.string(1, '*/5 * * * *').string(3, '');
        spec.message(5, (jt) => {
          jt.message(1, objectMeta('tick'));
          jt.message(2, (job) => job.message(6, podTemplate({}, [container('tick', 'busybox', ['date'])], 'OnFailure')));
        });
      });
      w.message(3, () => {});
    }),
  );
  const jobTemplate = (obj.spec as { jobTemplate: { spec: { template: { spec: unknown } } } }).jobTemplate;
  assert.equal((obj.spec as { schedule: string }).schedule, '*/5 * * * *');
  assert.deepEqual(jobTemplate.spec.template.spec, {
    containers: [{ name: 'tick', image: 'busybox', command: ['date'], resources: {} }],
    restartPolicy: 'OnFailure',
  });
});

test('kubectl create priorityclass: value 0 is kept, globalDefault false is dropped', () => {
  const obj = decodeKubernetesProtobuf(
    body('scheduling.k8s.io/v1', 'PriorityClass', (w) =>
      w.message(1, objectMeta('zero')).varint(2, 0).bool(3, false).string(4, 'lowest').string(5, 'Never'),
    ),
  );
  assert.deepEqual(obj, {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'zero', creationTimestamp: null },
    value: 0,
    description: 'lowest',
    preemptionPolicy: 'Never',
  });
});

test('ownerReferences, finalizers, annotations and timestamps in ObjectMeta', () => {
  const obj = decodeKubernetesProtobuf(
    body('v1', 'ServiceAccount', (w) =>
      w.message(1, (m) => {
        objectMeta('robot')(m);
        m.message(9, (t) => t.varint(1, 1700000000)).varint(10, 0);
        m.mapEntry(12, 'note', (e) => e.string(2, 'hi'));
        m.message(13, (o) => o.string(1, 'Deployment').string(3, 'web').string(4, 'uid-1').string(5, 'apps/v1').bool(6, true));
        m.string(14, 'example.com/guard');
      }).bool(4, false),
    ),
  );
  assert.deepEqual(obj.metadata, {
    name: 'robot',
    creationTimestamp: null,
    deletionTimestamp: '2023-11-14T22:13:20Z',
    deletionGracePeriodSeconds: 0,
    annotations: { note: 'hi' },
    ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'uid-1', apiVersion: 'apps/v1', controller: true }],
    finalizers: ['example.com/guard'],
  });
  assert.equal(obj.automountServiceAccountToken, false);
});

test('an Eviction carries DeleteOptions whose zero grace period is kept', () => {
  const obj = decodeKubernetesProtobuf(
    body('policy/v1', 'Eviction', (w) =>
      w.message(1, objectMeta('web-1', {}, 'default')).message(2, (o) => o.varint(1, 0).message(2, (p) => p.string(1, 'uid-9')).string(5, 'All')),
    ),
  );
  assert.deepEqual(obj.deleteOptions, { gracePeriodSeconds: 0, preconditions: { uid: 'uid-9' }, dryRun: ['All'] });
});

test('ReplicaSet status keeps replicas: 0 (not omitempty in Go)', () => {
  const obj = decodeKubernetesProtobuf(
    body('apps/v1', 'ReplicaSet', (w) => w.message(1, objectMeta('rs')).message(3, (s) => s.varint(1, 0).varint(2, 0).varint(3, 0))),
  );
  assert.deepEqual(obj.status, { replicas: 0 });
});

test('a kind without a descriptor is refused with 415 naming it', () => {
  const err = catchError(() => decodeKubernetesProtobuf(body('rbac.authorization.k8s.io/v1', 'Role', (w) => w.message(1, objectMeta('r')))));
  assert.ok(isApiError(err, 'UnsupportedMediaType'));
  assert.equal(err.httpStatus, 415);
  assert.match(err.message, /kind Role \(apiVersion rbac\.authorization\.k8s\.io\/v1\)/);
});

test('malformed bodies are 400 with a message saying what is wrong', () => {
  const cases: Array<[Uint8Array, RegExp]> = [
    [Buffer.from('{"kind":"Namespace"}'), /does not start with the Kubernetes protobuf prefix/],
    [Uint8Array.of(...PROTOBUF_MAGIC, 0x0a, 0x20, 0x0a), /runs past the end/],
    [encodeEnvelope('', '', new Uint8Array(0)), /no apiVersion or kind/],
    [body('v1', 'Namespace', (w) => w.varint(1, 7)), /Namespace\.metadata: wire type 0, expected 2/],
    [body('v1', 'ConfigMap', (w) => w.message(1, objectMeta('x')).raw([0x12, 0x03, 0x0a])), /runs past the end|truncated/],
  ];
  for (const [bytes, message] of cases) {
    const err = catchError(() => decodeKubernetesProtobuf(bytes));
    assert.ok(isApiError(err, 'BadRequest'), String(err));
    assert.match(err.message, /^the request body is not a valid Kubernetes protobuf object: /);
    assert.match(err.message, message);
  }
});

test('a compressed inner object is refused rather than misread', () => {
  const unknown = new WireWriter()
    .message(1, (t) => t.string(1, 'v1').string(2, 'Namespace'))
    .bytes(2, Uint8Array.of(1, 2, 3))
    .string(3, 'gzip')
    .finish();
  const err = catchError(() => decodeKubernetesProtobuf(Uint8Array.of(...PROTOBUF_MAGIC, ...unknown)));
  assert.ok(isApiError(err, 'BadRequest'));
  assert.match(err.message, /content encoding "gzip"/);
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}
