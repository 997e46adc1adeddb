// Probes and lifecycle hooks: every field the kubelet reads is accepted; a handler must name exactly one
// action; each wrong field is reported with its path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDefaults } from './defaults';
import type { StatusCause } from './errors';
import type { KubeObject } from './types';
import { validateObject } from './validation';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function pod(container: Any, spec: Any = {}): KubeObject & Any {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x', ...container }], ...spec } };
}

function byField(causes: StatusCause[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of causes) (out[c.field ?? ''] ??= []).push(`${c.reason}: ${c.message}`);
  return out;
}

test('every probe and lifecycle field is accepted', () => {
  const p = pod({
    ports: [{ name: 'http', containerPort: 8080 }],
    livenessProbe: {
      httpGet: { path: '/healthz', port: 'http', host: '127.0.0.1', scheme: 'HTTPS', httpHeaders: [{ name: 'X-Probe', value: '1' }] },
      initialDelaySeconds: 3, periodSeconds: 2, timeoutSeconds: 4, successThreshold: 1, failureThreshold: 5, terminationGracePeriodSeconds: 7,
    },
    readinessProbe: { tcpSocket: { port: 8080, host: '127.0.0.1' }, periodSeconds: 1, successThreshold: 2 },
    startupProbe: { exec: { command: ['true'] }, failureThreshold: 30 },
    lifecycle: {
      postStart: { httpGet: { path: '/started', port: 8080 } },
      preStop: { sleep: { seconds: 5 } },
      stopSignal: 'SIGQUIT',
    },
  }, { os: { name: 'linux' } });
  applyDefaults(p);
  assert.deepEqual(validateObject(p), []);
  assert.deepEqual(validateObject(pod({ livenessProbe: { grpc: { port: 9000, service: 'health' } }, lifecycle: { preStop: { exec: { command: ['sh', '-c', 'x'] } } } })), []);
});

test('a probe or hook with no handler, or more than one, is rejected at its path', () => {
  const causes = byField(validateObject(pod({
    livenessProbe: { exec: { command: ['true'] }, httpGet: { port: 80 } },
    startupProbe: { periodSeconds: 1 },
    lifecycle: { postStart: {}, preStop: { exec: { command: ['x'] }, sleep: { seconds: 1 }, tcpSocket: { port: 1 } } },
  })));
  assert.deepEqual(causes['spec.containers[0].livenessProbe.httpGet'], ['FieldValueForbidden: Forbidden: may not specify more than 1 handler type']);
  assert.deepEqual(causes['spec.containers[0].startupProbe'], ['FieldValueRequired: Required value: must specify a handler type']);
  assert.deepEqual(causes['spec.containers[0].lifecycle.postStart'], ['FieldValueRequired: Required value: must specify a handler type']);
  assert.deepEqual(causes['spec.containers[0].lifecycle.preStop.tcpSocket'], ['FieldValueForbidden: Forbidden: may not specify more than 1 handler type']);
});

test('wrong action fields: empty command, bad ports and header names, grace periods, sleep and stop signal', () => {
  const causes = byField(validateObject(pod({
    livenessProbe: { exec: { command: [] }, terminationGracePeriodSeconds: 0 },
    readinessProbe: { httpGet: { port: 0, httpHeaders: [{ name: 'Bad Header', value: 'x' }] }, terminationGracePeriodSeconds: 5 },
    startupProbe: { tcpSocket: { port: 'not_a_name!' } },
    lifecycle: { preStop: { sleep: { seconds: 60 } }, postStart: { httpGet: { port: 70000 } }, stopSignal: 'SIGTERM' },
  }, { terminationGracePeriodSeconds: 10 })));
  assert.deepEqual(causes['spec.containers[0].livenessProbe.exec.command'], ['FieldValueRequired: Required value']);
  assert.deepEqual(causes['spec.containers[0].livenessProbe.terminationGracePeriodSeconds'], ['FieldValueInvalid: Invalid value: 0: must be greater than 0']);
  assert.deepEqual(causes['spec.containers[0].readinessProbe.terminationGracePeriodSeconds'], ['FieldValueForbidden: Forbidden: must not be set for readinessProbes']);
  assert.equal(causes['spec.containers[0].readinessProbe.httpGet.port'].length, 1);
  assert.match(causes['spec.containers[0].readinessProbe.httpGet.httpHeaders[0].name'][0], /^FieldValueInvalid: Invalid value: "Bad Header": a valid HTTP header/);
  assert.equal(causes['spec.containers[0].startupProbe.tcpSocket.port'].length, 1);
  assert.deepEqual(causes['spec.containers[0].lifecycle.preStop.sleep.seconds'], ['FieldValueInvalid: Invalid value: 60: must be non-negative and less than terminationGracePeriodSeconds (10)']);
  assert.equal(causes['spec.containers[0].lifecycle.postStart.httpGet.port'].length, 1);
  assert.deepEqual(causes['spec.containers[0].lifecycle.stopSignal'], ['FieldValueForbidden: Forbidden: may not be set for containers with empty `spec.os.name`']);
  const linux = byField(validateObject(pod({ lifecycle: { stopSignal: 'SIGNOPE' } }, { os: { name: 'linux' } })));
  assert.match(linux['spec.containers[0].lifecycle.stopSignal'][0], /^FieldValueNotSupported: Unsupported value: "SIGNOPE": supported values: "SIGABRT", /);
  assert.deepEqual(validateObject(pod({ lifecycle: { stopSignal: 'SIGRTMIN+3' } }, { os: { name: 'linux' } })), []);
});
