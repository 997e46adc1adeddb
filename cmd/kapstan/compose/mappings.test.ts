// Each Compose key and the Kubernetes fields it becomes; every object produced
// here must also pass the apiserver's validation.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ComposeFixture, find, podSpecOf, validationProblems } from './compose-fixture';
import type { ConvertResult } from './convert';
import { ComposeError } from './project';

const fixture = new ComposeFixture();
after(() => fixture.cleanup());

/** Converts and checks that the apiserver would accept every object. */
function convert(text: string, options: Parameters<ComposeFixture['convert']>[1] = {}): ConvertResult {
  const result = fixture.convert(text, options);
  assert.deepEqual(validationProblems(result.objects), {});
  return result;
}

function container(result: ConvertResult, name: string, kind = 'Deployment'): any {
  return podSpecOf(find(result.objects, kind, name)).containers[0];
}

test('entrypoint becomes command and command becomes args, from strings split like a shell or from lists', () => {
  const r = convert(`
services:
  a: { image: x, entrypoint: /bin/sh -c, command: "'echo hi; sleep 1'" }
  b: { image: x, entrypoint: ["/entry", "--flag"], command: [run, 8080] }
  c: { image: x, entrypoint: [] }
`);
  assert.deepEqual(container(r, 'a').command, ['/bin/sh', '-c']);
  assert.deepEqual(container(r, 'a').args, ['echo hi; sleep 1']);
  assert.deepEqual(container(r, 'b').command, ['/entry', '--flag']);
  assert.deepEqual(container(r, 'b').args, ['run', '8080']);
  assert.equal(container(r, 'c').command, undefined);
  assert.deepEqual(r.warnings, ["services.c.entrypoint: an empty value cannot be expressed in Kubernetes; the image's default is used"]);
});

test('a $ in command, args or environment is doubled, so Kubernetes does not expand $(VAR) where Compose would not', () => {
  const r = convert(`
services:
  a: { image: x, command: ["echo", "$$(whoami) $$HOME"], environment: { PRICE: "$$5" } }
`);
  assert.deepEqual(container(r, 'a').args, ['echo', '$$(whoami) $$HOME']);
  assert.deepEqual(container(r, 'a').env, [{ name: 'PRICE', value: '$$5' }]);
});

test('environment as a map or a list, over env_file, with bare keys taken from the environment', () => {
  const r = convert(`
services:
  a:
    image: x
    env_file: [base.env, { path: missing.env, required: false }, { path: extra.env }]
    environment: [FROM_LIST=1, "EQUALS=a=b", FROM_SHELL, NOT_IN_SHELL, OVERRIDE=env-wins]
  b:
    image: x
    environment: { NUM: 3, BOOL: true, NULL_FROM_SHELL: null, EMPTY: "" }
`, {
    env: { FROM_SHELL: 'shell', NULL_FROM_SHELL: 'shell2' },
    files: { 'base.env': 'BASE=1\nOVERRIDE=file\n', 'extra.env': 'EXTRA="quoted value"\n' },
  });
  assert.deepEqual(container(r, 'a').env, [
    { name: 'BASE', value: '1' },
    { name: 'OVERRIDE', value: 'env-wins' },
    { name: 'EXTRA', value: 'quoted value' },
    { name: 'FROM_LIST', value: '1' },
    { name: 'EQUALS', value: 'a=b' },
    { name: 'FROM_SHELL', value: 'shell' },
  ]);
  assert.deepEqual(container(r, 'b').env, [
    { name: 'NUM', value: '3' },
    { name: 'BOOL', value: 'true' },
    { name: 'NULL_FROM_SHELL', value: 'shell2' },
    { name: 'EMPTY', value: '' },
  ]);
  assert.throws(() => fixture.convert('services:\n  a: { image: x, env_file: nope.env }\n'), /services\.a\.env_file: cannot read .*nope\.env: ENOENT/);
});

test('published ports: NodePort inside 30000-32767, hostPort (with hostIP) outside it; expose and unpublished ports are Service ports', () => {
  const r = convert(`
services:
  web:
    image: x
    ports: ["8080:80", "127.0.0.1:5353:53/udp", "30443:443", "9000", { target: 7000, published: 7001, name: admin }, "0.0.0.0:8443:8443"]
    expose: ["6000", "80"]
`);
  const c = container(r, 'web');
  assert.deepEqual(c.ports, [
    { containerPort: 80, hostPort: 8080 },
    { containerPort: 53, protocol: 'UDP', hostPort: 5353, hostIP: '127.0.0.1' },
    { containerPort: 443 },
    { containerPort: 9000 },
    { containerPort: 7000, hostPort: 7001 },
    { containerPort: 8443, hostPort: 8443 },
    { containerPort: 6000 },
  ]);
  const svc = find(r.objects, 'Service', 'web');
  assert.equal(svc.spec.type, 'NodePort');
  assert.deepEqual(svc.spec.ports, [
    { name: 'tcp-80', port: 80, targetPort: 80 },
    { name: 'udp-53', protocol: 'UDP', port: 53, targetPort: 53 },
    { name: 'tcp-443', port: 443, targetPort: 443, nodePort: 30443 },
    { name: 'tcp-9000', port: 9000, targetPort: 9000 },
    { name: 'admin', port: 7000, targetPort: 7000 },
    { name: 'tcp-8443', port: 8443, targetPort: 8443 },
    { name: 'tcp-6000', port: 6000, targetPort: 6000 },
  ]);
  assert.deepEqual(find(r.objects, 'Deployment', 'web').spec.strategy, { type: 'Recreate' });

  const internal = convert('services:\n  api: { image: x, expose: ["3000"] }\n');
  assert.deepEqual(find(internal.objects, 'Service', 'api').spec.ports, [{ name: 'tcp-3000', port: 3000, targetPort: 3000 }]);
  assert.equal(find(internal.objects, 'Service', 'api').spec.type, undefined);
  assert.equal(find(internal.objects, 'Deployment', 'api').spec.strategy, undefined);
});

test('volumes: named (project-prefixed, explicit name, external), bind (relative, absolute, ro), long syntax, anonymous, tmpfs', () => {
  const r = convert(`
name: vols
services:
  a:
    image: x
    volumes:
      - data:/data
      - shared:/shared:ro
      - ext:/ext
      - ./conf:/etc/app:ro
      - /srv/logs:/logs
      - /cache
      - type: bind
        source: ./conf
        target: /etc/app2
        read_only: true
      - type: volume
        source: data
        target: /data2
        volume: { subpath: sub }
      - type: tmpfs
        target: /run/app
        tmpfs: { size: 64m }
    tmpfs: [/tmp]
volumes:
  data:
  shared: { name: team-shared }
  ext: { external: true }
`, { files: { 'conf/app.ini': 'x=1\n' } });
  const pod = podSpecOf(find(r.objects, 'Deployment', 'a'));
  const projectDir = pod.volumes.find((v: any) => v.name === 'bind').hostPath.path.replace(/\/conf$/, '');
  assert.deepEqual(pod.volumes, [
    { name: 'data', hostPath: { path: '/var/lib/kapstan/volumes/vols_data', type: 'DirectoryOrCreate' } },
    { name: 'shared', hostPath: { path: '/var/lib/kapstan/volumes/team-shared', type: 'DirectoryOrCreate' } },
    { name: 'ext', hostPath: { path: '/var/lib/kapstan/volumes/ext', type: 'DirectoryOrCreate' } },
    { name: 'bind', hostPath: { path: `${projectDir}/conf` } },
    { name: 'bind-2', hostPath: { path: '/srv/logs', type: 'DirectoryOrCreate' } },
    { name: 'anonymous', emptyDir: {} },
    { name: 'tmpfs', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'tmpfs-2', emptyDir: { medium: 'Memory' } },
  ]);
  assert.ok(projectDir.startsWith(fixture.root), 'bind sources are absolute, resolved from the compose file');
  assert.deepEqual(pod.containers[0].volumeMounts, [
    { name: 'data', mountPath: '/data' },
    { name: 'shared', mountPath: '/shared', readOnly: true },
    { name: 'ext', mountPath: '/ext' },
    { name: 'bind', mountPath: '/etc/app', readOnly: true },
    { name: 'bind-2', mountPath: '/logs' },
    { name: 'anonymous', mountPath: '/cache' },
    { name: 'bind', mountPath: '/etc/app2', readOnly: true },
    { name: 'data', mountPath: '/data2', subPath: 'sub' },
    { name: 'tmpfs', mountPath: '/run/app' },
    { name: 'tmpfs-2', mountPath: '/tmp' },
  ]);
  assert.deepEqual(r.warnings, []);

  const elsewhere = convert('name: v\nservices:\n  a: { image: x, volumes: ["data:/data"] }\nvolumes: { data: {} }\n', { volumesRoot: '/srv/kapstan-data/volumes' });
  assert.deepEqual(podSpecOf(find(elsewhere.objects, 'Deployment', 'a')).volumes, [
    { name: 'data', hostPath: { path: '/srv/kapstan-data/volumes/v_data', type: 'DirectoryOrCreate' } },
  ]);
});

test('depends_on: a list or service_started/service_healthy wait through the Service; service_completed_successfully runs the service as an init container', () => {
  const r = convert(`
services:
  db:
    image: postgres:16
    ports: ["5432"]
    healthcheck: { test: ["CMD-SHELL", "pg_isready"], interval: 2s }
  queue:
    image: q
  setup:
    image: setup
    command: ./setup.sh
    volumes: ["seed:/seed"]
    depends_on: { db: { condition: service_healthy } }
  web:
    image: web
    volumes: ["seed:/seed:ro"]
    depends_on:
      db: { condition: service_healthy }
      queue: { condition: service_started }
      setup: { condition: service_completed_successfully, restart: true }
  worker:
    image: w
    depends_on: [queue, db]
volumes: { seed: {} }
`);
  const web = podSpecOf(find(r.objects, 'Deployment', 'web'));
  // In depends_on order; setup's own wait for db is already there.
  assert.deepEqual(web.initContainers.map((c: any) => c.name), ['wait-for-db', 'wait-for-queue', 'setup']);
  const [waitDb, waitQueue, setup] = web.initContainers;
  assert.equal(waitDb.image, 'busybox:1.35');
  assert.deepEqual(waitDb.command, ['sh', '-c', 'until nc -w 2 db.$(POD_NAMESPACE).svc.cluster.local 5432 -e true >/dev/null 2>&1; do echo "waiting for db:5432"; sleep 1; done']);
  assert.deepEqual(waitDb.env, [{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]);
  // queue has no ports: its headless Service's name resolves only to ready pods.
  assert.match(waitQueue.command[2], /^until nslookup queue\.\$\(POD_NAMESPACE\)\.svc\.cluster\.local /);
  assert.equal(find(r.objects, 'Service', 'queue').spec.clusterIP, 'None');
  assert.deepEqual(setup.args, ['./setup.sh']);
  assert.deepEqual(setup.volumeMounts, [{ name: 'seed', mountPath: '/seed' }]);
  assert.deepEqual(web.containers[0].volumeMounts, [{ name: 'seed', mountPath: '/seed', readOnly: true }]);
  assert.equal(web.volumes.length, 1, 'the init container and the app share the one volume');
  assert.ok(!r.objects.some((o) => o.metadata.name === 'setup'), 'setup does not also run on its own');

  assert.deepEqual(podSpecOf(find(r.objects, 'Deployment', 'worker')).initContainers.map((c: any) => c.name), ['wait-for-queue', 'wait-for-db']);
  assert.deepEqual(r.warnings, [
    'services.web.depends_on.setup.restart: not supported; a dependent pod is not restarted when its dependency is',
    'services.setup: runs as an init container of web (depended on with condition service_completed_successfully), not as a workload of its own',
  ]);
});

test('depends_on problems: unknown services and service_healthy without a healthcheck are warnings, a cycle is an error', () => {
  const r = convert(`
services:
  a: { image: x, depends_on: { b: { condition: service_healthy }, ghost: { condition: service_started }, maybe: { required: false } } }
  b: { image: x }
`);
  assert.deepEqual(r.warnings, [
    'services.a.depends_on.ghost: the service is not defined; not waited for',
    'services.a.depends_on.b: condition service_healthy, but b has no healthcheck; waiting until it answers',
  ]);
  assert.deepEqual(podSpecOf(find(r.objects, 'Deployment', 'a')).initContainers.map((c: any) => c.name), ['wait-for-b']);
  assert.throws(() => fixture.convert(`
services:
  c: { image: x, depends_on: [e] }
  d: { image: x, depends_on: { c: { condition: service_completed_successfully } } }
  e: { image: x, depends_on: [d] }
`), (e: Error) => e instanceof ComposeError && e.message === 'services.c.depends_on: dependency cycle: c -> e -> d -> c');
});

test('healthcheck: CMD, CMD-SHELL, a string, NONE and disable; start_period adds a startup probe', () => {
  const r = convert(`
services:
  cmd: { image: x, healthcheck: { test: [CMD, curl, -f, http://localhost/], interval: 1m30s, timeout: 500ms, retries: 2 } }
  shell: { image: x, healthcheck: { test: [CMD-SHELL, "curl -f localhost || exit 1"] } }
  string: { image: x, healthcheck: { test: "pg_isready -U app", start_period: 40s, start_interval: 2s } }
  none: { image: x, healthcheck: { test: [NONE] } }
  disabled: { image: x, healthcheck: { disable: true } }
`);
  assert.deepEqual(container(r, 'cmd').readinessProbe, {
    exec: { command: ['curl', '-f', 'http://localhost/'] }, periodSeconds: 90, timeoutSeconds: 1, failureThreshold: 2, successThreshold: 1,
  });
  assert.deepEqual(container(r, 'shell').readinessProbe, {
    exec: { command: ['/bin/sh', '-c', 'curl -f localhost || exit 1'] }, periodSeconds: 30, timeoutSeconds: 30, failureThreshold: 3, successThreshold: 1,
  });
  const s = container(r, 'string');
  assert.deepEqual(s.readinessProbe.exec, { command: ['/bin/sh', '-c', 'pg_isready -U app'] });
  assert.deepEqual(s.startupProbe, {
    exec: { command: ['/bin/sh', '-c', 'pg_isready -U app'] }, periodSeconds: 2, timeoutSeconds: 30, failureThreshold: 23, successThreshold: 1,
  });
  for (const name of ['none', 'disabled', 'shell', 'cmd']) assert.equal(container(r, name).startupProbe, undefined, name);
  for (const name of ['none', 'disabled']) assert.equal(container(r, name).readinessProbe, undefined, name);
  assert.deepEqual(r.warnings, []);
});

test('replicas from deploy.replicas or scale; restart no / on-failure give bare Pods, always / unless-stopped Deployments', () => {
  const r = convert(`
name: p1
services:
  deployed: { image: x, deploy: { replicas: 3 } }
  scaled: { image: x, scale: 2 }
  always: { image: x, restart: always }
  unless: { image: x, restart: unless-stopped }
  once: { image: x, restart: "no" }
  retry: { image: x, restart: "on-failure:5", scale: 2 }
  policy: { image: x, deploy: { restart_policy: { condition: on-failure, max_attempts: 3 } } }
`);
  assert.equal(find(r.objects, 'Deployment', 'deployed').spec.replicas, 3);
  assert.equal(find(r.objects, 'Deployment', 'scaled').spec.replicas, 2);
  assert.equal(find(r.objects, 'Deployment', 'always').spec.replicas, 1);
  find(r.objects, 'Deployment', 'unless');
  assert.equal(find(r.objects, 'Pod', 'once').spec.restartPolicy, 'Never');
  assert.equal(find(r.objects, 'Pod', 'retry-1').spec.restartPolicy, 'OnFailure');
  assert.equal(find(r.objects, 'Pod', 'retry-2').spec.restartPolicy, 'OnFailure');
  assert.deepEqual(find(r.objects, 'Pod', 'retry-2').metadata.labels, { 'app.kubernetes.io/name': 'retry', 'app.kubernetes.io/part-of': 'p1' });
  assert.equal(find(r.objects, 'Pod', 'policy').spec.restartPolicy, 'OnFailure');
  assert.ok(!r.objects.some((o) => o.kind === 'Deployment' && ['once', 'retry', 'policy'].includes(o.metadata.name as string)));
  assert.deepEqual(r.warnings, [
    'services.retry.restart: a maximum of 5 restarts is not supported; restarting on failure without a limit',
    'services.policy.deploy.restart_policy.max_attempts: not supported; Kubernetes retries without a limit',
  ]);
});

test('working_dir, user, hostname, labels, resources, stop_grace_period and friends', () => {
  const r = convert(`
name: p1
services:
  app:
    image: x
    working_dir: /srv
    user: "1000:2000"
    hostname: app-host
    labels:
      tier: backend
      com.example.description: "Accounting web app"
    deploy:
      labels: [team=payments]
      resources:
        limits: { cpus: "1.5", memory: 1g }
        reservations: { cpus: "0.25", memory: 512m }
    stop_grace_period: 1m30s
    privileged: true
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    read_only: true
    extra_hosts: ["db.local:10.0.0.5", "cache.local=10.0.0.5"]
    dns: 1.1.1.1
    pull_policy: always
  named-user: { image: x, user: nginx, mem_limit: 64m, cpus: 0.5 }
`);
  const dep = find(r.objects, 'Deployment', 'app');
  assert.deepEqual(dep.metadata.labels, { tier: 'backend', team: 'payments', 'app.kubernetes.io/name': 'app', 'app.kubernetes.io/part-of': 'p1' });
  assert.deepEqual(dep.metadata.annotations, { 'com.example.description': 'Accounting web app' });
  assert.deepEqual(dep.spec.template.metadata.labels, dep.metadata.labels);
  assert.deepEqual(find(r.objects, 'Service', 'app').spec.selector, { 'app.kubernetes.io/name': 'app', 'app.kubernetes.io/part-of': 'p1' });
  const pod = podSpecOf(dep);
  assert.equal(pod.hostname, 'app-host');
  assert.equal(pod.terminationGracePeriodSeconds, 90);
  assert.deepEqual(pod.hostAliases, [{ ip: '10.0.0.5', hostnames: ['db.local', 'cache.local'] }]);
  assert.deepEqual(pod.dnsConfig, { nameservers: ['1.1.1.1'] });
  const c = pod.containers[0];
  assert.equal(c.workingDir, '/srv');
  assert.equal(c.imagePullPolicy, 'Always');
  assert.deepEqual(c.securityContext, {
    runAsUser: 1000, runAsGroup: 2000, privileged: true, readOnlyRootFilesystem: true, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
  });
  assert.deepEqual(c.resources, { limits: { cpu: '1500m', memory: '1Gi' }, requests: { cpu: '250m', memory: '512Mi' } });
  const named = container(r, 'named-user');
  assert.equal(named.securityContext, undefined);
  assert.deepEqual(named.resources, { limits: { cpu: '500m', memory: '64Mi' } });
  assert.deepEqual(r.warnings, [
    'services.named-user.user: "nginx": only numeric uid[:gid] is supported (Kubernetes does not look up user names); the image\'s user is used',
  ]);
});

test('every unsupported key is a warning naming its path; nothing is dropped silently', () => {
  const r = convert(`
version: "3.9"
x-defaults: { a: 1 }
services:
  web:
    image: x
    build: .
    container_name: my-web
    networks: [front]
    links: [db]
    stop_signal: SIGQUIT
    logging: { driver: json-file }
    secrets: [token]
    ulimits: { nofile: 1024 }
    x-custom: ignored-extension
    healthcheck: { test: [CMD, "true"], frequency: 3 }
    deploy:
      placement: { constraints: [node.role==manager] }
      resources: { limits: { pids: 100 }, reservations: { devices: [{ capabilities: [gpu] }] } }
    volumes:
      - type: npipe
        source: x
        target: /y
      - type: bind
        source: /dev/log
        target: /dev/log
        bind: { propagation: rshared }
  nobuild:
    build: ./nobuild
  debug:
    image: x
    profiles: [debug]
networks: { front: {} }
secrets: { token: { file: ./token } }
volumes:
  data: { driver: nfs }
`);
  assert.deepEqual(r.warnings.sort(), [
    'networks: not supported; all pods share one network',
    'secrets: not supported; create Secrets and mount them as volumes',
    'services.nobuild.build: not supported; build and push the image, then set "image"',
    'services.nobuild.image: required: images are not built; the service is skipped',
    'services.web.build: not supported; build and push the image, then set "image"',
    'services.web.container_name: not supported; Kubernetes names the pods',
    'services.web.deploy.placement: not supported; the scheduler places pods',
    'services.web.deploy.resources.limits.pids: not supported; ignored',
    'services.web.deploy.resources.reservations.devices: not supported; devices are not passed to containers',
    'services.web.healthcheck.frequency: not supported; ignored',
    'services.web.links: not supported; every service is reachable by its name',
    'services.web.logging: not supported; the node agent keeps container logs',
    'services.web.networks: not supported; all pods share one network',
    'services.web.secrets: not supported; mount a Secret as a volume instead',
    'services.web.stop_signal: not supported; Kubernetes stops containers with SIGTERM, then SIGKILL',
    'services.web.ulimits: not supported; ignored',
    'services.web.volumes[0].type: volume type "npipe" is not supported; ignored',
    'services.web.volumes[1].bind.propagation: not supported; ignored',
    'version: obsolete; ignored',
    'volumes.data.driver: not supported; volumes are directories on the node',
  ]);
  assert.deepEqual(r.objects.map((o) => `${o.kind}/${o.metadata.name}`), ['Service/web', 'Deployment/web'], 'a profile that is not enabled is not started, as in Compose');
  const withDebug = fixture.convert('services:\n  debug: { image: x, profiles: [debug] }\n', { profiles: ['debug'] });
  assert.deepEqual(withDebug.objects.map((o) => `${o.kind}/${o.metadata.name}`), ['Service/debug', 'Deployment/debug']);
});

test('service names that are not DNS labels are renamed for Kubernetes, with a warning', () => {
  const r = convert('services:\n  My_DB: { image: x, expose: ["5432"] }\n  app: { image: y, depends_on: [My_DB] }\n  2fa: { image: z }\n');
  assert.deepEqual(r.objects.map((o) => `${o.kind}/${o.metadata.name}`), [
    'Service/my-db', 'Service/app', 'Service/s-2fa', 'Deployment/my-db', 'Deployment/app', 'Deployment/s-2fa',
  ]);
  assert.equal(find(r.objects, 'Deployment', 'my-db').metadata.labels['app.kubernetes.io/name'], 'My_DB');
  assert.match(podSpecOf(find(r.objects, 'Deployment', 'app')).initContainers[0].command[2], /nc -w 2 my-db\./);
  assert.deepEqual(r.warnings, [
    'services.My_DB: named "my-db" in Kubernetes (object names are DNS labels); other services reach it by that name',
    'services.2fa: named "s-2fa" in Kubernetes (object names are DNS labels); other services reach it by that name',
  ]);
  assert.throws(() => fixture.convert('services:\n  my_db: { image: x }\n  my-db: { image: x }\n'),
    /services\.my-db: named "my-db" in Kubernetes, like services\.my_db; rename one of them/);
});
