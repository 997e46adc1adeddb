// apps/v1 Deployment, ReplicaSet, DaemonSet and batch/v1 Job, CronJob.

import {
  JsonSchema, APPS, BATCH, CORE, META, INT_OR_STRING, TIME,
  ref, str, int32, int64, bool, arr, obj, oneOfStrings, kind,
} from './builders';
import { conditionsOf } from './meta';

const A = (name: string) => ref(APPS + name);
const B = (name: string) => ref(BATCH + name);
const selector = () => ref(`${META}LabelSelector`);
const template = () => ref(`${CORE}PodTemplateSpec`);
const nonNegative32 = () => int32({ minimum: 0 });

export const WORKLOAD_DEFINITIONS: Record<string, JsonSchema> = {
  [`${APPS}RollingUpdateDeployment`]: obj({ maxUnavailable: ref(INT_OR_STRING), maxSurge: ref(INT_OR_STRING) }),
  [`${APPS}DeploymentStrategy`]: obj({
    type: oneOfStrings('Recreate', 'RollingUpdate'),
    rollingUpdate: A('RollingUpdateDeployment'),
  }),
  [`${APPS}DeploymentSpec`]: obj(
    {
      replicas: nonNegative32(),
      selector: selector(),
      template: template(),
      strategy: A('DeploymentStrategy'),
      minReadySeconds: nonNegative32(),
      revisionHistoryLimit: nonNegative32(),
      paused: bool(),
      progressDeadlineSeconds: nonNegative32(),
    },
    ['selector', 'template'],
  ),
  [`${APPS}DeploymentStatus`]: obj({
    observedGeneration: int64(),
    replicas: int32(),
    updatedReplicas: int32(),
    readyReplicas: int32(),
    availableReplicas: int32(),
    unavailableReplicas: int32(),
    terminatingReplicas: int32(),
    conditions: conditionsOf('DeploymentCondition', ['lastUpdateTime', 'lastTransitionTime']),
    collisionCount: int32(),
  }),
  [`${APPS}Deployment`]: kind('apps', 'v1', 'Deployment', { spec: A('DeploymentSpec'), status: A('DeploymentStatus') }),

  [`${APPS}ReplicaSetSpec`]: obj(
    { replicas: nonNegative32(), minReadySeconds: nonNegative32(), selector: selector(), template: template() },
    ['selector'],
  ),
  [`${APPS}ReplicaSetStatus`]: obj({
    replicas: int32(),
    fullyLabeledReplicas: int32(),
    readyReplicas: int32(),
    availableReplicas: int32(),
    terminatingReplicas: int32(),
    observedGeneration: int64(),
    conditions: conditionsOf('ReplicaSetCondition', ['lastTransitionTime']),
  }),
  [`${APPS}ReplicaSet`]: kind('apps', 'v1', 'ReplicaSet', { spec: A('ReplicaSetSpec'), status: A('ReplicaSetStatus') }),

  [`${APPS}RollingUpdateDaemonSet`]: obj({ maxUnavailable: ref(INT_OR_STRING), maxSurge: ref(INT_OR_STRING) }),
  [`${APPS}DaemonSetUpdateStrategy`]: obj({
    type: oneOfStrings('RollingUpdate', 'OnDelete'),
    rollingUpdate: A('RollingUpdateDaemonSet'),
  }),
  [`${APPS}DaemonSetSpec`]: obj(
    {
      selector: selector(),
      template: template(),
      updateStrategy: A('DaemonSetUpdateStrategy'),
      minReadySeconds: nonNegative32(),
      revisionHistoryLimit: nonNegative32(),
    },
    ['selector', 'template'],
  ),
  [`${APPS}DaemonSetStatus`]: obj({
    currentNumberScheduled: int32(),
    numberMisscheduled: int32(),
    desiredNumberScheduled: int32(),
    numberReady: int32(),
    observedGeneration: int64(),
    updatedNumberScheduled: int32(),
    numberAvailable: int32(),
    numberUnavailable: int32(),
    collisionCount: int32(),
    conditions: conditionsOf('DaemonSetCondition', ['lastTransitionTime']),
  }),
  [`${APPS}DaemonSet`]: kind('apps', 'v1', 'DaemonSet', { spec: A('DaemonSetSpec'), status: A('DaemonSetStatus') }),

  [`${BATCH}PodFailurePolicyRule`]: obj(
    {
      action: oneOfStrings('FailJob', 'FailIndex', 'Ignore', 'Count'),
      onExitCodes: obj(
        { containerName: str(), operator: oneOfStrings('In', 'NotIn'), values: arr(int32()) },
        ['operator', 'values'],
      ),
      onPodConditions: arr(obj({ type: str(), status: oneOfStrings('True', 'False', 'Unknown') }, ['type'])),
    },
    ['action'],
  ),
  [`${BATCH}JobSpec`]: obj(
    {
      parallelism: nonNegative32(),
      completions: nonNegative32(),
      activeDeadlineSeconds: int64({ minimum: 1 }),
      podFailurePolicy: obj({ rules: arr(B('PodFailurePolicyRule')) }, ['rules']),
      successPolicy: obj(
        { rules: arr(obj({ succeededIndexes: str(), succeededCount: int32() })) },
        ['rules'],
      ),
      backoffLimit: nonNegative32(),
      backoffLimitPerIndex: nonNegative32(),
      maxFailedIndexes: nonNegative32(),
      selector: selector(),
      manualSelector: bool(),
      template: template(),
      ttlSecondsAfterFinished: nonNegative32(),
      completionMode: oneOfStrings('NonIndexed', 'Indexed'),
      suspend: bool(),
      podReplacementPolicy: oneOfStrings('TerminatingOrFailed', 'Failed'),
      managedBy: str(),
    },
    ['template'],
  ),
  [`${BATCH}JobStatus`]: obj({
    conditions: conditionsOf('JobCondition', ['lastProbeTime', 'lastTransitionTime']),
    startTime: ref(TIME),
    completionTime: ref(TIME),
    active: int32(),
    succeeded: int32(),
    failed: int32(),
    terminating: int32(),
    completedIndexes: str(),
    failedIndexes: str(),
    uncountedTerminatedPods: obj({ succeeded: arr(str()), failed: arr(str()) }),
    ready: int32(),
  }),
  [`${BATCH}Job`]: kind('batch', 'v1', 'Job', { spec: B('JobSpec'), status: B('JobStatus') }),

  [`${BATCH}JobTemplateSpec`]: obj({ metadata: ref(`${META}ObjectMeta`), spec: B('JobSpec') }),
  [`${BATCH}CronJobSpec`]: obj(
    {
      schedule: str(),
      timeZone: str(),
      startingDeadlineSeconds: int64({ minimum: 0 }),
      concurrencyPolicy: oneOfStrings('Allow', 'Forbid', 'Replace'),
      suspend: bool(),
      jobTemplate: B('JobTemplateSpec'),
      successfulJobsHistoryLimit: nonNegative32(),
      failedJobsHistoryLimit: nonNegative32(),
    },
    ['schedule', 'jobTemplate'],
  ),
  [`${BATCH}CronJobStatus`]: obj({
    active: arr(ref(`${CORE}ObjectReference`)),
    lastScheduleTime: ref(TIME),
    lastSuccessfulTime: ref(TIME),
  }),
  [`${BATCH}CronJob`]: kind('batch', 'v1', 'CronJob', { spec: B('CronJobSpec'), status: B('CronJobStatus') }),
};
