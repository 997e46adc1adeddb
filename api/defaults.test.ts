import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from './types';
import { applyDefaults, defaultPullPolicy, imageTag } from './defaults';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function obj(apiVersion: string, kind: string, body: Any = {}): KubeObject & Any {
  return { apiVersion, kind, metadata: { name: 'x', namespace: 'default' }, ...body };
}

const podSpec = (extra: Any = {}) => ({ containers: [{ name: 'c', image: 'nginx:1.25' }], ...extra });

test('image tags decide the pull policy', () => {
  assert.equal(imageTag('nginx'), 'latest');
  assert.equal(imageTag('nginx:1.25'), '1.25');
  assert.equal(imageTag('localhost:5000/nginx'), 'latest');
  assert.equal(imageTag('localhost:5000/nginx:v2'), 'v2');
  assert.equal(imageTag('nginx@sha256:abc'), '');
  assert.equal(defaultPullPolicy('nginx'), 'Always');
  assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
  assert.equal(defaultPullPolicy('nginx:1.25'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('nginx@sha256:abc'), 'IfNotPresent');
});

test('Pod defaults', () => {
  const pod = applyDefaults(
    obj('v1', 'Pod', {
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx',
            ports: [{ containerPort: 80 }],
            resources: { limits: { cpu: 0.5, memory: '64Mi' } },
            livenessProbe: { httpGet: { port: 80 } },
            env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          },
          { name: 'side', image: 'busybox:1.36', imagePullPolicy: 'Never' },
        ],
        volumes: [{ name: 'scratch' }, { name: 's', secret: { secretName: 's' } }, { name: 'h', hostPath: { path: '/x' } }],
      },
    }),
  );
  const spec = pod.spec;
  assert.equal(spec.restartPolicy, 'Always');
  assert.equal(spec.dnsPolicy, 'ClusterFirst');
  assert.equal(spec.schedulerName, 'default-scheduler');
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.deepEqual(spec.securityContext, {});
  assert.equal(spec.enableServiceLinks, true);
  assert.equal(spec.serviceAccountName, 'default');
  assert.equal(spec.serviceAccount, 'default');
  assert.equal(spec.priority, 0);
  assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');
  assert.deepEqual(spec.tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  const [web, side] = spec.containers;
  assert.equal(web.imagePullPolicy, 'Always');
  assert.equal(side.imagePullPolicy, 'Never', 'explicit values are kept');
  assert.equal(web.terminationMessagePath, '/dev/termination-log');
  assert.equal(web.terminationMessagePolicy, 'File');
  assert.equal(web.ports[0].protocol, 'TCP');
  assert.deepEqual(web.resources, { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '500m', memory: '64Mi' } });
  assert.deepEqual(side.resources, {});
  assert.deepEqual(web.livenessProbe, {
    httpGet: { port: 80, path: '/', scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(web.env[0].valueFrom.fieldRef.apiVersion, 'v1');
  assert.deepEqual(spec.volumes[0], { name: 'scratch', emptyDir: {} });
  assert.equal(spec.volumes[1].secret.defaultMode, 420);
  assert.equal(spec.volumes[2].hostPath.type, '');
});

test('Pod defaults keep explicit values and respect hostNetwork and priority classes', () => {
  const pod = applyDefaults(
    obj('v1', 'Pod', {
      spec: podSpec({
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 0,
        hostNetwork: true,
        serviceAccountName: 'builder',
        priorityClassName: 'high',
        tolerations: [{ operator: 'Exists' }],
        containers: [{ name: 'c', image: 'x:1', ports: [{ containerPort: 8080 }] }],
      }),
    }),
  );
  assert.equal(pod.spec.restartPolicy, 'Never');
  assert.equal(pod.spec.terminationGracePeriodSeconds, 0);
  assert.equal(pod.spec.containers[0].ports[0].hostPort, 8080);
  assert.equal(pod.spec.serviceAccountName, 'builder');
  assert.equal(pod.spec.serviceAccount, 'builder');
  assert.equal(pod.spec.priority, undefined, 'a named class is resolved by the server');
  assert.deepEqual(pod.spec.tolerations, [{ operator: 'Exists' }], 'a wildcard toleration already covers the taints');
});

test('Service defaults', () => {
  const svc = applyDefaults(obj('v1', 'Service', { spec: { selector: { app: 'web' }, ports: [{ port: 80 }, { port: 443, targetPort: 'https', protocol: 'TCP' }] } }));
  assert.equal(svc.spec.type, 'ClusterIP');
  assert.equal(svc.spec.sessionAffinity, 'None');
  assert.equal(svc.spec.internalTrafficPolicy, 'Cluster');
  assert.deepEqual(svc.spec.ipFamilies, ['IPv4']);
  assert.equal(svc.spec.ipFamilyPolicy, 'SingleStack');
  assert.deepEqual(svc.spec.ports, [
    { port: 80, protocol: 'TCP', targetPort: 80 },
    { port: 443, targetPort: 'https', protocol: 'TCP' },
  ]);
  const lb = applyDefaults(obj('v1', 'Service', { spec: { type: 'LoadBalancer', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] } }));
  assert.equal(lb.spec.externalTrafficPolicy, 'Cluster');
  assert.equal(lb.spec.allocateLoadBalancerNodePorts, true);
  assert.equal(lb.spec.sessionAffinityConfig.clientIP.timeoutSeconds, 10800);
  const ext = applyDefaults(obj('v1', 'Service', { spec: { type: 'ExternalName', externalName: 'example.com' } }));
  assert.equal(ext.spec.ipFamilies, undefined);
  assert.equal(ext.spec.internalTrafficPolicy, undefined);
});

test('Deployment defaults, including its pod template', () => {
  const d = applyDefaults(obj('apps/v1', 'Deployment', { spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: podSpec() } } }));
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(d.spec.revisionHistoryLimit, 10);
  assert.equal(d.spec.progressDeadlineSeconds, 600);
  const t = d.spec.template.spec;
  assert.equal(t.restartPolicy, 'Always');
  assert.equal(t.dnsPolicy, 'ClusterFirst');
  assert.equal(t.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.equal(t.enableServiceLinks, undefined, 'pod-only defaults stay off templates');
  assert.equal(t.serviceAccountName, undefined);
  const recreate = applyDefaults(obj('apps/v1', 'Deployment', { spec: { replicas: 0, strategy: { type: 'Recreate' } } }));
  assert.equal(recreate.spec.replicas, 0);
  assert.deepEqual(recreate.spec.strategy, { type: 'Recreate' });
});

test('ReplicaSet and DaemonSet defaults', () => {
  const rs = applyDefaults(obj('apps/v1', 'ReplicaSet', { spec: { template: { spec: podSpec() } } }));
  assert.equal(rs.spec.replicas, 1);
  assert.equal(rs.spec.template.spec.schedulerName, 'default-scheduler');
  const ds = applyDefaults(obj('apps/v1', 'DaemonSet', { spec: { template: { spec: podSpec() } } }));
  assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.spec.revisionHistoryLimit, 10);
  const onDelete = applyDefaults(obj('apps/v1', 'DaemonSet', { spec: { updateStrategy: { type: 'OnDelete' } } }));
  assert.deepEqual(onDelete.spec.updateStrategy, { type: 'OnDelete' });
});

test('Job defaults', () => {
  const job = applyDefaults(obj('batch/v1', 'Job', { spec: { template: { metadata: { labels: { job: 'x' } }, spec: podSpec({ restartPolicy: 'Never' }) } } }));
  assert.equal(job.spec.parallelism, 1);
  assert.equal(job.spec.completions, 1);
  assert.equal(job.spec.backoffLimit, 6);
  assert.equal(job.spec.completionMode, 'NonIndexed');
  assert.equal(job.spec.suspend, false);
  assert.equal(job.spec.manualSelector, undefined);
  assert.equal(job.spec.podReplacementPolicy, 'TerminatingOrFailed');
  assert.deepEqual(job.metadata.labels, { job: 'x' }, 'a Job without labels takes its template labels');
  assert.equal(job.spec.template.spec.restartPolicy, 'Never');
  const parallel = applyDefaults(obj('batch/v1', 'Job', { spec: { parallelism: 3, template: { spec: podSpec() } } }));
  assert.equal(parallel.spec.parallelism, 3);
  assert.equal(parallel.spec.completions, undefined, 'work-queue jobs keep completions unset');
});

test('CronJob defaults', () => {
  const cj = applyDefaults(obj('batch/v1', 'CronJob', { spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: podSpec({ restartPolicy: 'OnFailure' }) } } } } }));
  assert.equal(cj.spec.concurrencyPolicy, 'Allow');
  assert.equal(cj.spec.suspend, false);
  assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  assert.equal(cj.spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
});

test('Namespace, Secret, Node, Endpoints and PriorityClass defaults', () => {
  const ns = applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } as KubeObject & Any);
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(ns.status, { phase: 'Active' });
  assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'team' });
  assert.equal(applyDefaults(obj('v1', 'Secret')).type, 'Opaque');
  assert.equal(applyDefaults(obj('v1', 'Secret', { type: 'kubernetes.io/tls' })).type, 'kubernetes.io/tls');
  const node = applyDefaults(obj('v1', 'Node', { status: { capacity: { cpu: 4, memory: '8Gi', pods: '110' } } }));
  assert.deepEqual(node.status.allocatable, { cpu: '4', memory: '8Gi', pods: '110' });
  const ep = applyDefaults(obj('v1', 'Endpoints', { subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] }));
  assert.equal(ep.subsets[0].ports[0].protocol, 'TCP');
  assert.equal(applyDefaults(obj('scheduling.k8s.io/v1', 'PriorityClass', { value: 5 })).preemptionPolicy, 'PreemptLowerPriority');
  const cm = obj('v1', 'ConfigMap', { data: { a: 'b' } });
  assert.deepEqual(applyDefaults(structuredClone(cm)), cm, 'kinds without defaults are unchanged');
});
