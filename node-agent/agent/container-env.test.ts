// env from ConfigMaps and Secrets: valueFrom key refs, envFrom with prefix, optional sources, invalid names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/types';
import { containerEnv, containerEnvRefs, ContainerConfigError, skippedEnvFromKeys } from './container-config';
import { objectKey, type PodObjects } from './pod-objects';
import { makePod } from './pod-test-builders';
import type { ContainerSpec } from './pod-types';

const cm = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
const secret = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

function envOf(c: Partial<ContainerSpec>, objects: PodObjects): Record<string, string> {
  const pod = makePod();
  const spec = { name: 'main', image: 'busybox', ...c };
  const env = containerEnv(pod, spec, { env: ['PATH=/bin', 'FROM_IMAGE=1'] }, { nodeName: 'n', objects });
  return Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

const objects: PodObjects = new Map<string, KubeObject | null>([
  [objectKey('ConfigMap', 'app'), cm('app', { MODE: 'fast', 'bad name': 'x', '1DIGIT': 'y', 'dotted.key': 'z' })],
  [objectKey('Secret', 'creds'), secret('creds', { password: 'hunter2' })],
  [objectKey('ConfigMap', 'gone'), null],
  [objectKey('Secret', 'gone'), null],
]);

test('configMapKeyRef and secretKeyRef give the values; env overrides envFrom, which overrides the image', () => {
  const env = envOf({
    envFrom: [{ configMapRef: { name: 'app' } }, { prefix: 'S_', secretRef: { name: 'creds' } }],
    env: [
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app', key: 'MODE' } } },
      { name: 'FROM_IMAGE', value: 'container $(MODE)' },
    ],
  }, objects);
  assert.equal(env.PASSWORD, 'hunter2');
  assert.equal(env.S_password, 'hunter2');
  assert.equal(env.MODE, 'fast');
  assert.equal(env.FROM_IMAGE, 'container fast');
  assert.equal(env['dotted.key'], 'z', 'dots are valid in env names');
  assert.equal(env['bad name'], undefined, 'invalid names from envFrom are skipped');
  assert.equal(env['1DIGIT'], undefined);
});

test('a missing required ConfigMap, Secret or key is a config error naming it; optional ones are left out', () => {
  assert.throws(() => envOf({ envFrom: [{ configMapRef: { name: 'gone' } }] }, objects), (err: Error) =>
    err instanceof ContainerConfigError && err.message === 'configmap "gone" not found');
  assert.throws(() => envOf({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }, objects), /secret "gone" not found/);
  assert.throws(() => envOf({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'app', key: 'nope' } } }] }, objects),
    /couldn't find key nope in ConfigMap default\/app/);
  const env = envOf({
    envFrom: [{ secretRef: { name: 'gone', optional: true } }],
    env: [
      { name: 'A', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k', optional: true } } },
      { name: 'B', valueFrom: { configMapKeyRef: { name: 'app', key: 'nope', optional: true } } },
    ],
  }, objects);
  assert.equal('A' in env, false);
  assert.equal('B' in env, false);
});

test('containerEnvRefs names every ConfigMap and Secret the env reads', () => {
  const refs = containerEnvRefs({
    name: 'c', image: 'i',
    envFrom: [{ configMapRef: { name: 'a' } }, { secretRef: { name: 'b' } }],
    env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'c', key: 'k' } } }, { name: 'Y', value: 'plain' }],
  });
  assert.deepEqual(refs, [{ kind: 'ConfigMap', name: 'a' }, { kind: 'Secret', name: 'b' }, { kind: 'Secret', name: 'c' }]);
});

test('skipped envFrom keys are named for the InvalidEnvironmentVariableNames event', () => {
  const c = { name: 'c', image: 'i', envFrom: [{ configMapRef: { name: 'app' } }, { prefix: 'P_', configMapRef: { name: 'app' } }, { secretRef: { name: 'gone', optional: true } }] };
  assert.deepEqual(skippedEnvFromKeys(makePod(), c, objects), [
    'Keys [1DIGIT, bad name] from the EnvFrom configMap default/app were skipped since they are considered invalid environment variable names.',
    'Keys [bad name] from the EnvFrom configMap default/app were skipped since they are considered invalid environment variable names.',
  ]);
});
