// Every message the decoder knows, by name. Names are unique across the
// groups we describe, so one flat table serves all of them.
import type { MessageTable } from './descriptors';
import { APPS_V1_MESSAGES } from './messages/apps-v1';
import { BATCH_V1_MESSAGES } from './messages/batch-v1';
import { CORE_V1_MESSAGES } from './messages/core-v1';
import { CORE_V1_POD_MESSAGES } from './messages/core-v1-pod';
import { META_V1_MESSAGES } from './messages/meta-v1';
import { POLICY_V1_MESSAGES } from './messages/policy-v1';
import { SCHEDULING_V1_MESSAGES } from './messages/scheduling-v1';

export const KUBERNETES_MESSAGES: MessageTable = {
  ...META_V1_MESSAGES,
  ...CORE_V1_MESSAGES,
  ...CORE_V1_POD_MESSAGES,
  ...APPS_V1_MESSAGES,
  ...BATCH_V1_MESSAGES,
  ...SCHEDULING_V1_MESSAGES,
  ...POLICY_V1_MESSAGES,
};

/** The message that encodes each top-level kind, keyed `apiVersion/kind`. */
export const KIND_MESSAGES: Readonly<Record<string, string>> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Service': 'Service',
  'v1/ResourceQuota': 'ResourceQuota',
  'v1/Pod': 'Pod',
  'apps/v1/Deployment': 'Deployment',
  'apps/v1/ReplicaSet': 'ReplicaSet',
  'apps/v1/DaemonSet': 'DaemonSet',
  'batch/v1/Job': 'Job',
  'batch/v1/CronJob': 'CronJob',
  'scheduling.k8s.io/v1/PriorityClass': 'PriorityClass',
  'policy/v1/Eviction': 'Eviction',
};
