// apps/v1 Deployment, ReplicaSet, DaemonSet.
// Field numbers are those of Kubernetes' generated.proto (k8s.io/api/apps/v1);
// JSON names and zero-value handling follow the Go types' json tags.
import { KEEP_ZERO, MessageTable, field, list } from '../descriptors';

export const APPS_V1_MESSAGES: MessageTable = {
  Deployment: {
    1: field('metadata', 'ObjectMeta'),
    2: field('spec', 'DeploymentSpec'),
    3: field('status', 'DeploymentStatus'),
  },
  ReplicaSet: {
    1: field('metadata', 'ObjectMeta'),
    2: field('spec', 'ReplicaSetSpec'),
    3: field('status', 'ReplicaSetStatus'),
  },
  DaemonSet: {
    1: field('metadata', 'ObjectMeta'),
    2: field('spec', 'DaemonSetSpec'),
    3: field('status', 'DaemonSetStatus'),
  },
  DeploymentSpec: {
    1: field('replicas', 'int32', KEEP_ZERO),
    2: field('selector', 'LabelSelector'),
    3: field('template', 'PodTemplateSpec'),
    4: field('strategy', 'DeploymentStrategy'),
    5: field('minReadySeconds', 'int32'),
    6: field('revisionHistoryLimit', 'int32', KEEP_ZERO),
    7: field('paused', 'bool'),
    9: field('progressDeadlineSeconds', 'int32', KEEP_ZERO),
  },
  DeploymentStatus: {
    1: field('observedGeneration', 'int64'),
    2: field('replicas', 'int32'),
    3: field('updatedReplicas', 'int32'),
    4: field('availableReplicas', 'int32'),
    5: field('unavailableReplicas', 'int32'),
    6: list('conditions', 'DeploymentCondition'),
    7: field('readyReplicas', 'int32'),
    8: field('collisionCount', 'int32', KEEP_ZERO),
    9: field('terminatingReplicas', 'int32', KEEP_ZERO),
  },
  ReplicaSetSpec: {
    1: field('replicas', 'int32', KEEP_ZERO),
    2: field('selector', 'LabelSelector'),
    3: field('template', 'PodTemplateSpec'),
    4: field('minReadySeconds', 'int32'),
  },
  ReplicaSetStatus: {
    1: field('replicas', 'int32', KEEP_ZERO),
    2: field('fullyLabeledReplicas', 'int32'),
    3: field('observedGeneration', 'int64'),
    4: field('readyReplicas', 'int32'),
    5: field('availableReplicas', 'int32'),
    6: list('conditions', 'ReplicaSetCondition'),
    7: field('terminatingReplicas', 'int32', KEEP_ZERO),
  },
  DaemonSetSpec: {
    1: field('selector', 'LabelSelector'),
    2: field('template', 'PodTemplateSpec'),
    3: field('updateStrategy', 'DaemonSetUpdateStrategy'),
    4: field('minReadySeconds', 'int32'),
    6: field('revisionHistoryLimit', 'int32', KEEP_ZERO),
  },
  DaemonSetStatus: {
    1: field('currentNumberScheduled', 'int32', KEEP_ZERO),
    2: field('numberMisscheduled', 'int32', KEEP_ZERO),
    3: field('desiredNumberScheduled', 'int32', KEEP_ZERO),
    4: field('numberReady', 'int32', KEEP_ZERO),
    5: field('observedGeneration', 'int64'),
    6: field('updatedNumberScheduled', 'int32'),
    7: field('numberAvailable', 'int32'),
    8: field('numberUnavailable', 'int32'),
    9: field('collisionCount', 'int32', KEEP_ZERO),
    10: list('conditions', 'DaemonSetCondition'),
  },
  DeploymentStrategy: {
    1: field('type', 'string'),
    2: field('rollingUpdate', 'RollingUpdateDeployment'),
  },
  DeploymentCondition: {
    1: field('type', 'string', KEEP_ZERO),
    2: field('status', 'string', KEEP_ZERO),
    4: field('reason', 'string'),
    5: field('message', 'string'),
    6: field('lastUpdateTime', 'Time'),
    7: field('lastTransitionTime', 'Time'),
  },
  ReplicaSetCondition: {
    1: field('type', 'string', KEEP_ZERO),
    2: field('status', 'string', KEEP_ZERO),
    3: field('lastTransitionTime', 'Time'),
    4: field('reason', 'string'),
    5: field('message', 'string'),
  },
  DaemonSetUpdateStrategy: {
    1: field('type', 'string'),
    2: field('rollingUpdate', 'RollingUpdateDaemonSet'),
  },
  DaemonSetCondition: {
    1: field('type', 'string', KEEP_ZERO),
    2: field('status', 'string', KEEP_ZERO),
    3: field('lastTransitionTime', 'Time'),
    4: field('reason', 'string'),
    5: field('message', 'string'),
  },
  RollingUpdateDeployment: {
    1: field('maxUnavailable', 'IntOrString'),
    2: field('maxSurge', 'IntOrString'),
  },
  RollingUpdateDaemonSet: {
    1: field('maxUnavailable', 'IntOrString'),
    2: field('maxSurge', 'IntOrString'),
  },
};
