// Pure pieces of the DaemonSet, Job and Endpoints controllers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types';
import { daemonTolerations, placement } from './daemonset';
import { resolveTargetPort } from './endpoints';
import { formatIndexes, parseIndexes } from './job';
import type { Pod } from './workload-types';

const node = (labels: Record<string, string>, taints: unknown[] = [], name = 'n1') => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } }) as KubeObject;

test('daemon pods: nodeSelector, required node affinity, and taints with the automatic tolerations', () => {
  const spec = { nodeSelector: { role: 'worker' } };
  assert.deepEqual(placement(spec, node({ role: 'worker' }) as never), { shouldRun: true, mayStay: true });
  assert.deepEqual(placement(spec, node({ role: 'edge' }) as never), { shouldRun: false, mayStay: false });
  const affinity = {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['special'] }] }] } } },
  };
  assert.equal(placement(affinity as never, node({ zone: 'b' }) as never).shouldRun, true);
  assert.equal(placement(affinity as never, node({ zone: 'c' }) as never).shouldRun, false);
  assert.equal(placement(affinity as never, node({}, [], 'special') as never).shouldRun, true, 'terms are ORed');
  // A NoSchedule taint keeps new pods off but lets a running one stay; NoExecute evicts.
  assert.deepEqual(placement({}, node({}, [{ key: 'dedicated', effect: 'NoSchedule' }]) as never), { shouldRun: false, mayStay: true });
  assert.deepEqual(placement({}, node({}, [{ key: 'dedicated', effect: 'NoExecute' }]) as never), { shouldRun: false, mayStay: false });
  assert.equal(placement({}, node({}, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }]) as never).shouldRun, true);
  const tolerations = daemonTolerations({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] });
  assert.equal(tolerations.find((t) => t.key === 'node.kubernetes.io/not-ready')?.tolerationSeconds, undefined, 'daemon pods tolerate forever');
  assert.ok(!tolerations.some((t) => t.key === 'node.kubernetes.io/network-unavailable'));
  assert.ok(daemonTolerations({ hostNetwork: true }).some((t) => t.key === 'node.kubernetes.io/network-unavailable'));
});

test('completed indexes as Kubernetes writes them', () => {
  assert.equal(formatIndexes([5, 0, 1, 2, 7, 8, 2]), '0-2,5,7,8', 'two neighbours are listed, three or more are a range');
  assert.deepEqual(parseIndexes('0-2,5,7-8'), [0, 1, 2, 5, 7, 8]);
  assert.deepEqual(parseIndexes(''), []);
});

test('a named targetPort is resolved in each pod; numbers pass through', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [{ ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] }] } } as unknown as Pod;
  assert.equal(resolveTargetPort({ port: 80, targetPort: 'http' }, pod), 8080);
  assert.equal(resolveTargetPort({ port: 53, targetPort: 'dns', protocol: 'UDP' }, pod), 53);
  assert.equal(resolveTargetPort({ port: 53, targetPort: 'dns' }, pod), undefined, 'the protocol must match too');
  assert.equal(resolveTargetPort({ port: 80, targetPort: 9000 }, pod), 9000);
  assert.equal(resolveTargetPort({ port: 80 }, pod), 80);
});
