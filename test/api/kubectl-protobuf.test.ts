// kubectl 1.32+ sends `create namespace` and the `create <generator>` commands
// with protobuf bodies; the apiserver must store the same objects a JSON body
// would have given. Also checks the apiserver's 400/415 answers on the wire.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../../api/errors';
import { PROTOBUF_MAGIC, WireWriter, encodeEnvelope } from '../../api/protobuf';
import type { KubeObject } from '../../api/types';
import { RestClient } from '../../client/rest-client';
import { startTestApiServer, TestApiServer } from '../harness/api-server';
import { kubectlEnv, KubectlEnv, versionedKubectls } from '../harness/kubectl';
const PROTOBUF = 'application/vnd.kubernetes.protobuf';

async function protobufKubectls(): Promise<string[]> {
  return versionedKubectls(['1.32', '1.33']);
}

let api: TestApiServer;
let client: RestClient;
let env: KubectlEnv;

before(async () => {
  api = await startTestApiServer();
  client = new RestClient({ server: api.url, caPem: api.caPem, token: api.token });
  env = kubectlEnv(api, 'kap-kubectl-pb-');
});

after(async () => {
  client?.close();
  await api?.stop();
  env?.cleanup();
});

const kubectl = (bin: string, ...args: string[]) => env.kubectl(bin, ...args);

async function created(bin: string, args: string[], printed: RegExp): Promise<void> {
  const r = await kubectl(bin, '-v=8', 'create', ...args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, printed);
  // -v=8 prints request headers: proof the body went as protobuf, not JSON.
  assert.match(r.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/);
}

test('the machine has kubectl 1.32 or 1.33 (the versions that send protobuf)', async () => {
  assert.ok((await protobufKubectls()).length > 0, 'kubectl.1.32 / kubectl.1.33 are not installed');
});

test('kubectl create sends protobuf and the apiserver stores the JSON-equivalent objects', async (t) => {
  for (const bin of await protobufKubectls()) {
    const v = bin.split('kubectl.').pop()!.replace('.', '');
    const ns = `kap-pb-${v}`;
    await t.test(`kubectl ${v}`, async () => {
      await created(bin, ['namespace', ns], new RegExp(`namespace/${ns} created`));
      const namespace = await client.json<KubeObject>('GET', `/api/v1/namespaces/${ns}`);
      assert.equal(namespace.kind, 'Namespace');
      assert.equal(namespace.metadata.name, ns);
      assert.ok(namespace.metadata.uid, 'the server filled in metadata');

      await created(bin, ['configmap', 'settings', '-n', ns, '--from-literal=greeting=hello', '--from-literal=empty='], /configmap\/settings created/);
      const cm = await client.json<KubeObject & { data: Record<string, string> }>('GET', `/api/v1/namespaces/${ns}/configmaps/settings`);
      assert.deepEqual(cm.data, { greeting: 'hello', empty: '' });
      assert.equal(cm.metadata.namespace, ns);

      await created(bin, ['secret', 'generic', 'creds', '-n', ns, '--from-literal=password=s3cr3t'], /secret\/creds created/);
      const secret = await client.json<KubeObject & { data: Record<string, string>; type: string }>('GET', `/api/v1/namespaces/${ns}/secrets/creds`);
      assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 's3cr3t');
      assert.equal(secret.type, 'Opaque');

      await created(bin, ['deployment', 'web', '-n', ns, '--image=busybox:1.35', '--replicas=2', '--port=8080', '--', 'sleep', '3600'], /deployment\.apps\/web created/);
      const deploy = await client.json<KubeObject & { spec: DeploymentSpec }>('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`);
      assert.equal(deploy.metadata.labels?.app, 'web');
      assert.equal(deploy.spec.replicas, 2);
      assert.deepEqual(deploy.spec.selector, { matchLabels: { app: 'web' } });
      const [c] = deploy.spec.template.spec.containers;
      assert.equal(c.name, 'busybox');
      assert.equal(c.image, 'busybox:1.35');
      assert.deepEqual(c.command, ['sleep', '3600']);
      assert.deepEqual(c.ports?.map((p) => p.containerPort), [8080]);

      await created(bin, ['service', 'clusterip', 'web', '-n', ns, '--tcp=80:8080'], /service\/web created/);
      const svc = await client.json<KubeObject & { spec: { ports: Array<{ port: number; targetPort: unknown }> } }>('GET', `/api/v1/namespaces/${ns}/services/web`);
      assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[80, 8080]]);

      await created(bin, ['serviceaccount', 'robot', '-n', ns], /serviceaccount\/robot created/);
      assert.equal((await client.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/serviceaccounts/robot`)).kind, 'ServiceAccount');

      await created(bin, ['cronjob', 'tick', '-n', ns, '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'], /cronjob\.batch\/tick created/);
      const cron = await client.json<KubeObject & { spec: CronJobSpec }>('GET', `/apis/batch/v1/namespaces/${ns}/cronjobs/tick`);
      assert.equal(cron.spec.schedule, '*/5 * * * *');
      const jobPod = cron.spec.jobTemplate.spec.template.spec;
      assert.deepEqual([jobPod.restartPolicy, jobPod.containers[0].image, jobPod.containers[0].command], ['OnFailure', 'busybox', ['date']]);

      await created(bin, ['job', 'once', '-n', ns, '--image=busybox', '--', 'echo', 'hi'], /job\.batch\/once created/);
      const job = await client.json<KubeObject & { spec: CronJobSpec['jobTemplate']['spec'] }>('GET', `/apis/batch/v1/namespaces/${ns}/jobs/once`);
      assert.deepEqual(job.spec.template.spec.containers[0].command, ['echo', 'hi']);
      assert.equal(job.spec.template.spec.restartPolicy, 'Never');

      await created(bin, ['priorityclass', `kap-pb-${v}`, '--value=0', '--description=lowest'], new RegExp(`priorityclass.scheduling.k8s.io/kap-pb-${v} created`));
      const pc = await client.json<KubeObject & { value: number; description: string }>('GET', `/apis/scheduling.k8s.io/v1/priorityclasses/kap-pb-${v}`);
      assert.deepEqual([pc.value, pc.description], [0, 'lowest'], 'value 0 survives (it is not omitempty)');
    });
  }
});

interface CronJobSpec {
  schedule: string;
  jobTemplate: { spec: { template: { spec: { restartPolicy: string; containers: Array<{ image: string; command: string[] }> } } } };
}

interface DeploymentSpec {
  replicas: number;
  selector: unknown;
  template: { spec: { containers: Array<{ name: string; image: string; command?: string[]; ports?: Array<{ containerPort: number }> }> } };
}

test('a protobuf body of an undescribed kind is answered 415 naming the kind', async () => {
  const body = Buffer.from(encodeEnvelope('v1', 'Endpoints', new WireWriter().message(1, (m) => m.string(1, 'kap-endpoints')).finish()));
  await assert.rejects(
    client.request('POST', '/api/v1/namespaces/default/endpoints', { body, contentType: PROTOBUF }),
    (err: unknown) => isApiError(err, 'UnsupportedMediaType') && /kind Endpoints/.test(err.message),
  );
});

test('a malformed protobuf body is answered 400 and nothing is created', async () => {
  const truncated = Buffer.from([...PROTOBUF_MAGIC, 0x0a, 0x30, 0x0a]);
  await assert.rejects(
    client.request('POST', '/api/v1/namespaces', { body: truncated, contentType: PROTOBUF }),
    (err: unknown) => isApiError(err, 'BadRequest') && /not a valid Kubernetes protobuf object/.test(err.message),
  );
  const good = Buffer.from(encodeEnvelope('v1', 'Namespace', new WireWriter().message(1, (m) => m.string(1, 'kap-pb-raw')).finish()));
  const ok = await client.request<KubeObject>('POST', '/api/v1/namespaces', { body: good, contentType: PROTOBUF });
  assert.equal(ok.status, 201);
  assert.equal(ok.body.metadata.name, 'kap-pb-raw');
});
