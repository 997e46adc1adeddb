import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerArgv, containerRunConfig, ContainerConfigError, expandVars, resolveImageUser } from './container-config';
import type { ImageRunConfig } from './image-provider';
import { makePod } from './pod-test-builders';

const image = (over: Partial<ImageRunConfig> = {}): ImageRunConfig => ({
  entrypoint: ['/entry'], cmd: ['serve', '--port=80'], env: ['PATH=/bin', 'MODE=image'], workingDir: '/srv', user: null, ...over,
});
const facts = { nodeName: 'node-1', hostIP: '10.0.0.7' };

test('command and args over the image entrypoint and cmd, as Kubernetes does', () => {
  assert.deepEqual(containerArgv({}, image()), ['/entry', 'serve', '--port=80']);
  assert.deepEqual(containerArgv({ args: ['x'] }, image()), ['/entry', 'x']);
  assert.deepEqual(containerArgv({ command: ['/bin/sh'] }, image()), ['/bin/sh']);
  assert.deepEqual(containerArgv({ command: ['/bin/sh'], args: ['-c', 'true'] }, image()), ['/bin/sh', '-c', 'true']);
  assert.deepEqual(containerArgv({}, image({ entrypoint: null })), ['serve', '--port=80']);
});

test('$(VAR) expansion: known names replaced, $$ escapes, unknown references kept', () => {
  const vars = new Map([['A', '1']]);
  assert.equal(expandVars('$(A)-$(B)-$$(A)', vars), '1-$(B)-$(A)');
});

test('env: image env, then the container\'s with fieldRefs, overriding by name; argv expanded', () => {
  const pod = makePod();
  pod.metadata.labels = { app: 'web' };
  pod.spec.containers[0] = {
    name: 'main', image: 'busybox', command: ['echo', '$(POD)'],
    env: [
      { name: 'MODE', value: 'pod' },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'GREETING', value: 'hi $(POD)' },
    ],
  };
  const cfg = containerRunConfig(pod, pod.spec.containers[0], image(), facts);
  assert.deepEqual(cfg.env, ['PATH=/bin', 'MODE=pod', 'POD=web', 'NS=default', 'NODE=node-1', 'HOST=10.0.0.7', 'APP=web', 'GREETING=hi web']);
  assert.deepEqual(cfg.args, ['echo', 'web']);
  assert.equal(cfg.cwd, '/srv');
});

test('env from resourceFieldRef: the container\'s own limit by default; an unknown resource is a config error', () => {
  const pod = makePod();
  pod.spec.containers[0].resources = { limits: { memory: '64Mi' } };
  pod.spec.containers[0].env = [
    { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
    { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
  ];
  const env = containerRunConfig(pod, pod.spec.containers[0], image(), { ...facts, allocatable: { cpu: '3' } }).env;
  assert.ok(env?.includes('MEM=64') && env.includes('CPU=3'), String(env));
  pod.spec.containers[0].env = [{ name: 'X', valueFrom: { resourceFieldRef: { resource: 'limits.gpu' } } }];
  assert.throws(() => containerRunConfig(pod, pod.spec.containers[0], image(), facts), ContainerConfigError);
});

test('resources: cpu request to shares, cpu limit to CFS quota, memory limit in bytes', () => {
  const pod = makePod();
  pod.spec.containers[0].resources = { requests: { cpu: '250m' }, limits: { cpu: '1500m', memory: '64Mi' } };
  assert.deepEqual(containerRunConfig(pod, pod.spec.containers[0], image(), facts).resources,
    { cpuShares: 256, cpuPeriod: 100_000, cpuQuota: 150_000, memoryLimitBytes: 64 * 1024 * 1024 });
  pod.spec.containers[0].resources = { limits: { cpu: '1' } };
  assert.equal(containerRunConfig(pod, pod.spec.containers[0], image(), facts).resources?.cpuShares, 1024);
  pod.spec.containers[0].resources = {};
  assert.equal(containerRunConfig(pod, pod.spec.containers[0], image(), facts).resources, undefined);
});

test('user: image USER by name or number, securityContext over it, runAsNonRoot enforced', () => {
  const files = { passwd: 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n', group: 'root:x:0:\nstaff:x:50:\n' };
  assert.deepEqual(resolveImageUser('app', files), { uid: 1000, gid: 1001 });
  assert.deepEqual(resolveImageUser('app:staff', files), { uid: 1000, gid: 50 });
  assert.deepEqual(resolveImageUser('1000', files), { uid: 1000, gid: 1001 });
  assert.deepEqual(resolveImageUser('4242:7', files), { uid: 4242, gid: 7 });
  assert.throws(() => resolveImageUser('nobody', files), /not in the image's \/etc\/passwd/);

  const pod = makePod();
  assert.deepEqual(containerRunConfig(pod, pod.spec.containers[0], image({ user: 'app' }), facts, files).user, { uid: 1000, gid: 1001 });
  pod.spec.securityContext = { runAsUser: 2000 };
  assert.deepEqual(containerRunConfig(pod, pod.spec.containers[0], image({ user: 'app' }), facts, files).user, { uid: 2000, gid: 0 });
  pod.spec.containers[0].securityContext = { runAsUser: 0, runAsNonRoot: true };
  assert.throws(() => containerRunConfig(pod, pod.spec.containers[0], image(), facts, files), /runAsNonRoot/);
});

test('no entrypoint, cmd or command is a config error', () => {
  const pod = makePod();
  assert.throws(() => containerRunConfig(pod, pod.spec.containers[0], image({ entrypoint: null, cmd: null }), facts), ContainerConfigError);
});
