import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types';
import './all';
import { printerFor, toTable } from './index';
import { podSummary } from './pod';
import { formatEndpoints } from './endpoints';

const now = new Date('2024-05-01T12:00:00Z');
const created = '2024-05-01T11:55:00Z';

function pod(status: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: created, ...(extra.metadata ?? {}) },
    spec: { containers: [{ name: 'app', image: 'busybox:1.35' }], ...((extra.spec as object) ?? {}) },
    status,
  };
}

function cells(obj: KubeObject): unknown[] {
  return printerFor(obj.kind).row(obj, now);
}

test('pod STATUS follows kubectl: phase, waiting reason, running, completed, crash loop, terminating, init', () => {
  assert.equal(podSummary(pod({ phase: 'Pending' }), now).reason, 'Pending');
  const creating = pod({ phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
  assert.deepEqual(podSummary(creating, now), { ready: 0, total: 1, reason: 'ContainerCreating', restarts: '0' });
  const running = pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: created } } }] });
  assert.deepEqual(podSummary(running, now), { ready: 1, total: 1, reason: 'Running', restarts: '0' });
  const completed = pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] });
  assert.equal(podSummary(completed, now).reason, 'Completed');
  const crashing = pod({
    phase: 'Running',
    containerStatuses: [{
      name: 'app', ready: false, restartCount: 3,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:58:00Z' } },
    }],
  });
  assert.deepEqual(podSummary(crashing, now), { ready: 0, total: 1, reason: 'CrashLoopBackOff', restarts: '3 (2m ago)' });
  const exited = pod({ phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } }] });
  assert.equal(podSummary(exited, now).reason, 'ExitCode:2');
  const terminating = { ...running, metadata: { ...running.metadata, deletionTimestamp: '2024-05-01T11:59:00Z' } };
  assert.equal(podSummary(terminating, now).reason, 'Terminating');
  const init = pod(
    { phase: 'Pending', initContainerStatuses: [{ name: 'setup', ready: false, restartCount: 0, state: { running: {} } }] },
    { spec: { initContainers: [{ name: 'setup', image: 'busybox' }], containers: [{ name: 'app', image: 'busybox' }] } },
  );
  assert.equal(podSummary(init, now).reason, 'Init:0/1');
});

test('pod row carries the wide cells: IP, NODE, NOMINATED NODE, READINESS GATES', () => {
  const p = pod({ phase: 'Running', podIP: '10.42.0.5', podIPs: [{ ip: '10.42.0.5' }] }, { spec: { nodeName: 'node-a', containers: [{ name: 'app' }] } });
  assert.deepEqual(cells(p), ['web', '0/1', 'Running', '0', '5m', '10.42.0.5', 'node-a', '<none>', '<none>']);
  assert.deepEqual(printerFor('Pod').columns.map((c) => [c.name, c.priority]), [
    ['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1],
  ]);
});

test('deployment, service, node, namespace, configmap, secret and endpoints cells', () => {
  const deploy: KubeObject = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', creationTimestamp: created },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'httpd', image: 'busybox:1.35' }, { name: 'side', image: 'busybox' }] } } },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };
  assert.deepEqual(cells(deploy), ['web', '2/3', 3, 2, '5m', 'httpd,side', 'busybox:1.35,busybox', 'app=web']);

  const svc: KubeObject = {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', creationTimestamp: created },
    spec: { type: 'NodePort', clusterIP: '10.43.0.10', selector: { app: 'web' }, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] },
  };
  assert.deepEqual(cells(svc), ['web', 'NodePort', '10.43.0.10', '<none>', '80:30080/TCP,53/UDP', '5m', 'app=web']);

  const node: KubeObject = {
    apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', creationTimestamp: created, labels: { 'node-role.kubernetes.io/control-plane': '' } },
    spec: { unschedulable: true },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.2' }], nodeInfo: { kubeletVersion: 'v1.30.0', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'kapstan://0.1' } },
  };
  assert.deepEqual(cells(node), ['n1', 'Ready,SchedulingDisabled', 'control-plane', '5m', 'v1.30.0', '10.0.0.2', '<none>', 'Debian', '6.1', 'kapstan://0.1']);

  assert.deepEqual(cells({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev', creationTimestamp: created }, status: { phase: 'Terminating' } }), ['dev', 'Terminating', '5m']);
  assert.deepEqual(cells({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', creationTimestamp: created }, data: { a: '1' }, binaryData: { b: 'AA==' } }), ['c', 2, '5m']);
  assert.deepEqual(cells({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', creationTimestamp: created }, type: 'Opaque', data: { a: 'MQ==' } }), ['s', 'Opaque', 1, '5m']);

  assert.equal(formatEndpoints([]), '<none>');
  assert.equal(
    formatEndpoints([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: 'fd00::3' }, { ip: '10.0.0.4' }], ports: [{ port: 8080 }] }]),
    '10.0.0.1:8080,10.0.0.2:8080,[fd00::3]:8080 + 1 more...',
  );
});

test('event rows name the involved object and default the count to 1', () => {
  const ev: KubeObject = {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1', creationTimestamp: created },
    involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
    type: 'Normal', reason: 'Scheduled', message: 'Successfully assigned default/web to n1\n',
    source: { component: 'default-scheduler' }, firstTimestamp: created, lastTimestamp: '2024-05-01T11:59:00Z',
  };
  assert.deepEqual(cells(ev), ['60s', 'Normal', 'Scheduled', 'pod/web', 'spec.containers{app}', 'default-scheduler', 'Successfully assigned default/web to n1', '5m', 1, 'web.1']);
});

test('toTable emits every column and one full row per object', () => {
  const table = toTable('Deployment', [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a', creationTimestamp: created }, spec: {} }], { resourceVersion: '7' }, now);
  assert.equal(table.columnDefinitions.length, table.rows[0].cells.length);
  assert.deepEqual(table.columnDefinitions.map((c) => c.name), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector']);
});
