// A realistic app (web + redis-like cache + worker + one-off migration)
// converted end to end, and every object accepted by the apiserver's validation.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { convertCompose, loadComposeFile, toYaml } from './index';
import { ComposeFixture, find, podSpecOf, validationProblems } from './compose-fixture';

const fixture = new ComposeFixture();
after(() => fixture.cleanup());

const SHOP = `
name: shop
services:
  web:
    image: "registry.local/shop/web:\${WEB_TAG:-latest}"
    command: ["gunicorn", "-b", "0.0.0.0:8000", "shop.wsgi"]
    ports:
      - "8080:8000"
    env_file: web.env
    environment:
      REDIS_URL: redis://cache:6379/0
      DEBUG: "false"
    volumes:
      - ./static:/app/static:ro
      - uploads:/app/uploads
    depends_on:
      cache:
        condition: service_healthy
      migrate:
        condition: service_completed_successfully
    healthcheck:
      test: ["CMD-SHELL", "wget -qO- http://localhost:8000/health || exit 1"]
      interval: 10s
      timeout: 3s
      retries: 3
    restart: unless-stopped
  cache:
    image: redis:7-alpine
    command: redis-server --appendonly yes
    expose: ["6379"]
    volumes: ["cache-data:/data"]
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 5s
      timeout: 2s
      retries: 5
      start_period: 10s
  migrate:
    image: "registry.local/shop/web:\${WEB_TAG:-latest}"
    command: python manage.py migrate
    env_file: web.env
    depends_on:
      cache:
        condition: service_started
    restart: "no"
  worker:
    image: "registry.local/shop/web:\${WEB_TAG:-latest}"
    command: celery -A shop worker --loglevel=info
    env_file: [web.env]
    depends_on: [cache]
    deploy:
      replicas: 2
      resources:
        limits: { cpus: "0.5", memory: 256M }
        reservations: { memory: 128M }
    stop_grace_period: 1m
    tmpfs: /tmp
volumes:
  uploads: {}
  cache-data: {}
`;

test('a web + cache + worker app converts to Services and Deployments that the apiserver accepts', () => {
  const file = fixture.project('shop', {
    'compose.yaml': SHOP,
    'web.env': '# settings shared by web, migrate and worker\nDATABASE_URL=postgres://db/shop\nSECRET_KEY="s3cr#t key"\n',
    '.env': 'WEB_TAG=1.4.2\n',
  });
  const project = loadComposeFile(file, { env: {} });
  assert.equal(project.name, 'shop');
  const { objects, warnings } = convertCompose(project, { namespace: 'shop-ns' });

  assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`), [
    'Service/web', 'Service/cache', 'Service/worker',
    'Deployment/web', 'Deployment/cache', 'Deployment/worker',
  ]);
  assert.ok(objects.every((o) => o.metadata.namespace === 'shop-ns'));
  assert.deepEqual(warnings, [
    'services.migrate: runs as an init container of web (depended on with condition service_completed_successfully), not as a workload of its own',
  ]);

  const web = find(objects, 'Deployment', 'web');
  const selector = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/part-of': 'shop' };
  assert.deepEqual(web.metadata.labels, selector);
  assert.deepEqual(web.spec.selector, { matchLabels: selector });
  assert.deepEqual(web.spec.template.metadata.labels, selector);
  assert.deepEqual(web.spec.strategy, { type: 'Recreate' }, 'a hostPort cannot be held by two pods at once');
  const webPod = podSpecOf(web);
  // cache is waited for (ready, through its Service port), then migrate runs to completion.
  assert.deepEqual(webPod.initContainers.map((c: any) => c.name), ['wait-for-cache', 'migrate']);
  assert.match(webPod.initContainers[0].command[2], /nc -w 2 cache\.\$\(POD_NAMESPACE\)\.svc\.cluster\.local 6379 -e true/);
  const migrate = webPod.initContainers[1];
  assert.equal(migrate.image, 'registry.local/shop/web:1.4.2');
  assert.deepEqual(migrate.args, ['python', 'manage.py', 'migrate']);
  assert.equal(migrate.readinessProbe, undefined);

  const [webContainer] = webPod.containers;
  assert.equal(webContainer.image, 'registry.local/shop/web:1.4.2');
  assert.deepEqual(webContainer.args, ['gunicorn', '-b', '0.0.0.0:8000', 'shop.wsgi']);
  assert.equal(webContainer.command, undefined);
  assert.deepEqual(webContainer.env, [
    { name: 'DATABASE_URL', value: 'postgres://db/shop' },
    { name: 'SECRET_KEY', value: 's3cr#t key' },
    { name: 'REDIS_URL', value: 'redis://cache:6379/0' },
    { name: 'DEBUG', value: 'false' },
  ]);
  assert.deepEqual(webContainer.ports, [{ containerPort: 8000, hostPort: 8080 }]);
  assert.deepEqual(webContainer.readinessProbe, {
    exec: { command: ['/bin/sh', '-c', 'wget -qO- http://localhost:8000/health || exit 1'] },
    periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1,
  });
  assert.deepEqual(webContainer.volumeMounts, [
    { name: 'bind', mountPath: '/app/static', readOnly: true },
    { name: 'uploads', mountPath: '/app/uploads' },
  ]);
  assert.deepEqual(webPod.volumes, [
    { name: 'bind', hostPath: { path: `${project.workingDir}/static`, type: 'DirectoryOrCreate' } },
    { name: 'uploads', hostPath: { path: '/var/lib/kapstan/volumes/shop_uploads', type: 'DirectoryOrCreate' } },
  ]);

  assert.deepEqual(find(objects, 'Service', 'web').spec, {
    selector, ports: [{ name: 'tcp-8000', port: 8000, targetPort: 8000 }],
  });
  assert.deepEqual(find(objects, 'Service', 'cache').spec.ports, [{ name: 'tcp-6379', port: 6379, targetPort: 6379 }]);
  // The worker has no ports: a headless Service still gives it a name.
  assert.equal(find(objects, 'Service', 'worker').spec.clusterIP, 'None');

  const cache = podSpecOf(find(objects, 'Deployment', 'cache')).containers[0];
  assert.deepEqual(cache.args, ['redis-server', '--appendonly', 'yes']);
  assert.deepEqual(cache.startupProbe, {
    exec: { command: ['redis-cli', 'ping'] }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 7, successThreshold: 1,
  });

  const worker = find(objects, 'Deployment', 'worker');
  assert.equal(worker.spec.replicas, 2);
  const workerPod = podSpecOf(worker);
  assert.equal(workerPod.terminationGracePeriodSeconds, 60);
  assert.deepEqual(workerPod.initContainers.map((c: any) => c.name), ['wait-for-cache']);
  assert.deepEqual(workerPod.containers[0].resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { memory: '128Mi' } });
  assert.deepEqual(workerPod.volumes, [{ name: 'tmpfs', emptyDir: { medium: 'Memory' } }]);

  assert.deepEqual(validationProblems(objects), {});
});

test('toYaml prints one document per object that reads back as the same objects', () => {
  const { objects } = fixture.convert(SHOP, { files: { 'web.env': 'A=1\n' } });
  const text = toYaml(objects);
  assert.doesNotMatch(text, /[&*]a\d/, 'no YAML anchors or aliases');
  const docs = YAML.parseAllDocuments(text).map((d) => d.toJS());
  assert.deepEqual(docs, objects);
});
