// core/v1 objects other than pods' insides: Namespace, ConfigMap, Secret,
// ServiceAccount, Service, ResourceQuota, Pod (its status is not described).
// Field numbers are those of Kubernetes' generated.proto (k8s.io/api/core/v1);
// JSON names and zero-value handling follow the Go types' json tags.
import { KEEP_ZERO, MessageTable, field, list, map } from '../descriptors';

export const CORE_V1_MESSAGES: MessageTable = {
  Namespace: {
    1: field('metadata', 'ObjectMeta'),
    2: field('spec', 'NamespaceSpec'),
    3: field('status', 'NamespaceStatus'),
  },
  NamespaceSpec: {
    1: list('finalizers', 'string'),
  },
  NamespaceStatus: {
    1: field('phase', 'string'),
    2: list('conditions', 'NamespaceCondition'),
  },
  NamespaceCondition: {
    1: field('type', 'string', KEEP_ZERO),
    2: field('status', 'string', KEEP_ZERO),
    4: field('lastTransitionTime', 'Time'),
    5: field('reason', 'string'),
    6: field('message', 'string'),
  },
  ConfigMap: {
    1: field('metadata', 'ObjectMeta'),
    2: map('data', 'string'),
    3: map('binaryData', 'bytes'),
    4: field('immutable', 'bool', KEEP_ZERO),
  },
  Secret: {
    1: field('metadata', 'ObjectMeta'),
    2: map('data', 'bytes'),
    3: field('type', 'string'),
    4: map('stringData', 'string'),
    5: field('immutable', 'bool', KEEP_ZERO),
  },
  ServiceAccount: {
    1: field('metadata', 'ObjectMeta'),
    2: list('secrets', 'ObjectReference'),
    3: list('imagePullSecrets', 'LocalObjectReference'),
    4: field('automountServiceAccountToken', 'bool', KEEP_ZERO),
  },
  ObjectReference: {
    1: field('kind', 'string'),
    2: field('namespace', 'string'),
    3: field('name', 'string'),
    4: field('uid', 'string'),
    5: field('apiVersion', 'string'),
    6: field('resourceVersion', 'string'),
    7: field('fieldPath', 'string'),
  },
  LocalObjectReference: {
    1: field('name', 'string'),
  },
  Service: {
    1: field('metadata', 'ObjectMeta'),
    2: field('spec', 'ServiceSpec'),
    3: field('status', 'ServiceStatus'),
  },
  ServiceSpec: {
    1: list('ports', 'ServicePort'),
    2: map('selector', 'string'),
    3: field('clusterIP', 'string'),
    4: field('type', 'string'),
    5: list('externalIPs', 'string'),
    7: field('sessionAffinity', 'string'),
    8: field('loadBalancerIP', 'string'),
    9: list('loadBalancerSourceRanges', 'string'),
    10: field('externalName', 'string'),
    11: field('externalTrafficPolicy', 'string'),
    12: field('healthCheckNodePort', 'int32'),
    13: field('publishNotReadyAddresses', 'bool'),
    14: field('sessionAffinityConfig', 'SessionAffinityConfig'),
    17: field('ipFamilyPolicy', 'string', KEEP_ZERO),
    18: list('clusterIPs', 'string'),
    19: list('ipFamilies', 'string'),
    20: field('allocateLoadBalancerNodePorts', 'bool', KEEP_ZERO),
    21: field('loadBalancerClass', 'string', KEEP_ZERO),
    22: field('internalTrafficPolicy', 'string', KEEP_ZERO),
    23: field('trafficDistribution', 'string', KEEP_ZERO),
  },
  ServicePort: {
    1: field('name', 'string'),
    2: field('protocol', 'string'),
    3: field('port', 'int32', KEEP_ZERO),
    4: field('targetPort', 'IntOrString'),
    5: field('nodePort', 'int32'),
    6: field('appProtocol', 'string', KEEP_ZERO),
  },
  SessionAffinityConfig: {
    1: field('clientIP', 'ClientIPConfig'),
  },
  ClientIPConfig: {
    1: field('timeoutSeconds', 'int32', KEEP_ZERO),
  },
  ServiceStatus: {
    1: field('loadBalancer', 'LoadBalancerStatus'),
    2: list('conditions', 'Condition'),
  },
  LoadBalancerStatus: {
    1: list('ingress', 'LoadBalancerIngress'),
  },
  LoadBalancerIngress: {
    1: field('ip', 'string'),
    2: field('hostname', 'string'),
    3: field('ipMode', 'string', KEEP_ZERO),
    4: list('ports', 'PortStatus'),
  },
  PortStatus: {
    1: field('port', 'int32', KEEP_ZERO),
    2: field('protocol', 'string', KEEP_ZERO),
    3: field('error', 'string', KEEP_ZERO),
  },
  ResourceQuota: {
    1: field('metadata', 'ObjectMeta'),
    2: field('spec', 'ResourceQuotaSpec'),
    3: field('status', 'ResourceQuotaStatus'),
  },
  ResourceQuotaSpec: {
    1: map('hard', 'Quantity'),
    2: list('scopes', 'string'),
    3: field('scopeSelector', 'ScopeSelector'),
  },
  ResourceQuotaStatus: {
    1: map('hard', 'Quantity'),
    2: map('used', 'Quantity'),
  },
  ScopeSelector: {
    1: list('matchExpressions', 'ScopedResourceSelectorRequirement'),
  },
  ScopedResourceSelectorRequirement: {
    1: field('scopeName', 'string', KEEP_ZERO),
    2: field('operator', 'string', KEEP_ZERO),
    3: list('values', 'string'),
  },
  Pod: {
    1: field('metadata', 'ObjectMeta'),
    2: field('spec', 'PodSpec'),
    // 3: status (PodStatus) not described; skipped
  },
};
