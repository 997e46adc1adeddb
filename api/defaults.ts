// Defaulting as the apiserver applies it on create and update: Kubernetes'
// SetDefaults_* for core/v1, apps/v1 and batch/v1, plus the values the default
// admission chain and registries set (pod serviceAccountName and priority,
// DefaultTolerationSeconds, namespace finalizers, service IP families).
// Explicit values are never overwritten; JSON null counts as unset.

import type { KubeObject } from './types';
import { canonicalQuantity } from './quantity';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Sets `obj[key]` when it is missing or null. */
function setDefault(obj: Obj, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

/** The object at `obj[key]`, created when missing. */
function child(obj: Obj, key: string): Obj {
  if (!isObj(obj[key])) obj[key] = {};
  return obj[key] as Obj;
}

function items(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

const DEFAULT_FILE_MODE = 0o644; // 420: secret, configMap, downwardAPI and projected volumes

/** The tag of an image reference (`latest` when none and no digest), as parsers.ParseImageName reads it. */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  if (colon >= 0) return name.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

/** `Always` for `:latest` or untagged images, else `IfNotPresent`. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  return imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';
}

function canonicalizeResourceList(list: unknown): void {
  if (!isObj(list)) return;
  for (const [k, v] of Object.entries(list)) {
    if (typeof v === 'string' || typeof v === 'number') list[k] = canonicalQuantity(v);
  }
}

function defaultHttpGet(handler: unknown): void {
  if (!isObj(handler) || !isObj(handler.httpGet)) return;
  setDefault(handler.httpGet, 'path', '/');
  setDefault(handler.httpGet, 'scheme', 'HTTP');
}

function defaultProbe(probe: unknown): void {
  if (!isObj(probe)) return;
  // Zero means unset for these int32 fields (SetDefaults_Probe).
  if (!probe.timeoutSeconds) probe.timeoutSeconds = 1;
  if (!probe.periodSeconds) probe.periodSeconds = 10;
  if (!probe.successThreshold) probe.successThreshold = 1;
  if (!probe.failureThreshold) probe.failureThreshold = 3;
  defaultHttpGet(probe);
}

function defaultFieldRef(ref: unknown): void {
  if (isObj(ref)) setDefault(ref, 'apiVersion', 'v1');
}

function defaultContainer(c: Obj): void {
  if (typeof c.imagePullPolicy !== 'string' || c.imagePullPolicy === '') {
    c.imagePullPolicy = defaultPullPolicy(typeof c.image === 'string' ? c.image : '');
  }
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  const resources = child(c, 'resources');
  canonicalizeResourceList(resources.limits);
  canonicalizeResourceList(resources.requests);
  for (const p of items(c.ports)) if (!p.protocol) p.protocol = 'TCP';
  for (const e of items(c.env)) if (isObj(e.valueFrom)) defaultFieldRef(e.valueFrom.fieldRef);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isObj(c.lifecycle)) {
    defaultHttpGet(c.lifecycle.postStart);
    defaultHttpGet(c.lifecycle.preStop);
  }
}

const VOLUME_SOURCES = ['hostPath', 'emptyDir', 'secret', 'configMap', 'persistentVolumeClaim', 'projected', 'downwardAPI', 'nfs', 'csi', 'ephemeral', 'image'];

function defaultVolume(v: Obj): void {
  if (!VOLUME_SOURCES.some((s) => v[s] !== undefined && v[s] !== null)) v.emptyDir = {};
  if (isObj(v.hostPath)) setDefault(v.hostPath, 'type', '');
  for (const s of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    if (isObj(v[s])) setDefault(v[s] as Obj, 'defaultMode', DEFAULT_FILE_MODE);
  }
  if (isObj(v.downwardAPI)) for (const f of items(v.downwardAPI.items)) defaultFieldRef(f.fieldRef);
  if (isObj(v.projected)) {
    for (const src of items(v.projected.sources)) {
      if (isObj(src.serviceAccountToken)) setDefault(src.serviceAccountToken, 'expirationSeconds', 3600);
      if (isObj(src.downwardAPI)) for (const f of items(src.downwardAPI.items)) defaultFieldRef(f.fieldRef);
    }
  }
  if (isObj(v.emptyDir) && v.emptyDir.sizeLimit !== undefined) {
    const q = v.emptyDir.sizeLimit;
    if (typeof q === 'string' || typeof q === 'number') v.emptyDir.sizeLimit = canonicalQuantity(q);
  }
  if (isObj(v.ephemeral) && isObj(v.ephemeral.volumeClaimTemplate) && isObj(v.ephemeral.volumeClaimTemplate.spec)) {
    setDefault(v.ephemeral.volumeClaimTemplate.spec, 'volumeMode', 'Filesystem');
  }
  if (isObj(v.image) && !v.image.pullPolicy) {
    v.image.pullPolicy = defaultPullPolicy(typeof v.image.reference === 'string' ? v.image.reference : '');
  }
}

/** SetDefaults_PodSpec and everything nested in it; used for pods and for pod templates. */
export function defaultPodSpec(spec: Obj): void {
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  for (const v of items(spec.volumes)) defaultVolume(v);
  for (const c of items(spec.initContainers)) defaultContainer(c);
  for (const c of items(spec.containers)) defaultContainer(c);
  for (const c of items(spec.ephemeralContainers)) defaultContainer(c);
  canonicalizeResourceList(spec.overhead);
}

/** NoExecute tolerations for not-ready/unreachable nodes (DefaultTolerationSeconds admission). */
const DEFAULT_TOLERATED_TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

function defaultTolerations(spec: Obj): void {
  const tolerations = Array.isArray(spec.tolerations) ? (spec.tolerations as unknown[]) : [];
  for (const key of DEFAULT_TOLERATED_TAINTS) {
    const covered = items(tolerations).some(
      (t) => (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'),
    );
    if (!covered) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
}

function defaultPod(obj: Obj): void {
  const spec = child(obj, 'spec');
  // SetDefaults_Pod: requests default to limits, only on pods (not templates).
  for (const c of [...items(spec.containers), ...items(spec.initContainers)]) {
    const res = isObj(c.resources) ? c.resources : undefined;
    if (res && isObj(res.limits)) {
      const requests = child(res, 'requests');
      for (const [k, v] of Object.entries(res.limits)) if (requests[k] === undefined) requests[k] = v;
    }
  }
  setDefault(spec, 'enableServiceLinks', true);
  if (spec.hostNetwork === true) {
    for (const c of [...items(spec.containers), ...items(spec.initContainers)]) {
      for (const p of items(c.ports)) if (!p.hostPort) p.hostPort = p.containerPort;
    }
  }
  defaultPodSpec(spec);
  // ServiceAccount admission, and the deprecated mirror field Kubernetes still fills.
  if (!spec.serviceAccountName) spec.serviceAccountName = typeof spec.serviceAccount === 'string' && spec.serviceAccount ? spec.serviceAccount : 'default';
  if (!spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
  // Priority admission without a class: priority 0 (a named class is resolved by the server).
  if (!spec.priorityClassName) setDefault(spec, 'priority', 0);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  defaultTolerations(spec);
}

function defaultTemplate(spec: Obj): void {
  if (!isObj(spec.template)) return;
  defaultPodSpec(child(spec.template, 'spec'));
}

function defaultService(obj: Obj): void {
  const spec = child(obj, 'spec');
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const clientIP = child(child(spec, 'sessionAffinityConfig'), 'clientIP');
    setDefault(clientIP, 'timeoutSeconds', 10800);
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const p of items(spec.ports)) {
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  if (external && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (external || spec.type === 'ClusterIP') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  // The registry's IP family defaults on a single-stack IPv4 cluster.
  if (spec.type !== 'ExternalName') {
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
    setDefault(spec, 'ipFamilies', ['IPv4']);
  }
}

function defaultDeployment(obj: Obj): void {
  const spec = child(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultTemplate(spec);
}

function defaultReplicaSet(obj: Obj): void {
  const spec = child(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultTemplate(spec);
}

function defaultDaemonSet(obj: Obj): void {
  const spec = child(obj, 'spec');
  const strategy = child(spec, 'updateStrategy');
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultTemplate(spec);
}

function defaultJobSpec(spec: Obj): void {
  const unset = (k: string) => spec[k] === undefined || spec[k] === null;
  if (unset('completions') && unset('parallelism')) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  if (unset('backoffLimit')) spec.backoffLimit = unset('backoffLimitPerIndex') ? 6 : 2147483647;
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  if (isObj(spec.podFailurePolicy)) {
    for (const rule of items(spec.podFailurePolicy.rules)) {
      for (const cond of items(rule.onPodConditions)) setDefault(cond, 'status', 'True');
    }
  }
  setDefault(spec, 'podReplacementPolicy', isObj(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed');
  defaultTemplate(spec);
}

function defaultJob(obj: Obj): void {
  const spec = child(obj, 'spec');
  defaultJobSpec(spec);
  // A Job without labels takes its pod template's labels.
  const meta = child(obj, 'metadata');
  const templateLabels = isObj(spec.template) && isObj(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  if (isObj(templateLabels) && (!isObj(meta.labels) || Object.keys(meta.labels).length === 0)) {
    meta.labels = { ...templateLabels };
  }
}

function defaultCronJob(obj: Obj): void {
  const spec = child(obj, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jobTemplate = isObj(spec.jobTemplate) ? spec.jobTemplate : undefined;
  if (jobTemplate && isObj(jobTemplate.spec)) defaultTemplate(jobTemplate.spec);
}

function defaultNamespace(obj: Obj): void {
  const meta = child(obj, 'metadata');
  if (typeof meta.name === 'string' && meta.name !== '') {
    child(meta, 'labels')['kubernetes.io/metadata.name'] = meta.name;
  }
  const spec = child(obj, 'spec');
  setDefault(spec, 'finalizers', ['kubernetes']);
  setDefault(child(obj, 'status'), 'phase', 'Active');
}

function defaultNode(obj: Obj): void {
  const status = isObj(obj.status) ? obj.status : undefined;
  if (!status) return;
  canonicalizeResourceList(status.capacity);
  canonicalizeResourceList(status.allocatable);
  if (status.allocatable === undefined && isObj(status.capacity)) status.allocatable = { ...status.capacity };
}

function defaultEndpoints(obj: Obj): void {
  for (const subset of items(obj.subsets)) for (const p of items(subset.ports)) if (!p.protocol) p.protocol = 'TCP';
}

/** EndpointSlice ports: protocol TCP and name "" as Kubernetes defaults them. */
function defaultEndpointSlice(obj: Obj): void {
  for (const p of items(obj.ports)) {
    setDefault(p, 'protocol', 'TCP');
    setDefault(p, 'name', '');
  }
}

function defaultSecret(obj: Obj): void {
  if (!obj.type) obj.type = 'Opaque';
}

function defaultPriorityClass(obj: Obj): void {
  setDefault(obj, 'preemptionPolicy', 'PreemptLowerPriority');
}

const BY_KIND: Record<string, (obj: Obj) => void> = {
  'v1/Pod': defaultPod,
  'v1/Service': defaultService,
  'v1/Namespace': defaultNamespace,
  'v1/Node': defaultNode,
  'v1/Endpoints': defaultEndpoints,
  'v1/Secret': defaultSecret,
  'apps/v1/Deployment': defaultDeployment,
  'apps/v1/ReplicaSet': defaultReplicaSet,
  'apps/v1/DaemonSet': defaultDaemonSet,
  'batch/v1/Job': defaultJob,
  'batch/v1/CronJob': defaultCronJob,
  'discovery.k8s.io/v1/EndpointSlice': defaultEndpointSlice,
  'scheduling.k8s.io/v1/PriorityClass': defaultPriorityClass,
};

/**
 * Applies Kubernetes' defaults in place to a freshly decoded object and
 * returns it. Kinds without defaults are returned unchanged.
 */
export function applyDefaults<T extends KubeObject>(obj: T): T {
  const fn = BY_KIND[`${obj.apiVersion}/${obj.kind}`];
  if (fn) fn(obj as unknown as Obj);
  return obj;
}
