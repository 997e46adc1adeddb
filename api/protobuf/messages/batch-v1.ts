// batch/v1 Job and CronJob.
// Field numbers are those of Kubernetes' generated.proto (k8s.io/api/batch/v1);
// JSON names and zero-value handling follow the Go types' json tags.
import { KEEP_ZERO, MessageTable, field, list } from '../descriptors';

export const BATCH_V1_MESSAGES: MessageTable = {
  Job: {
    1: field('metadata', 'ObjectMeta'),
    2: field('spec', 'JobSpec'),
    3: field('status', 'JobStatus'),
  },
  CronJob: {
    1: field('metadata', 'ObjectMeta'),
    2: field('spec', 'CronJobSpec'),
    3: field('status', 'CronJobStatus'),
  },
  JobSpec: {
    1: field('parallelism', 'int32', KEEP_ZERO),
    2: field('completions', 'int32', KEEP_ZERO),
    3: field('activeDeadlineSeconds', 'int64', KEEP_ZERO),
    4: field('selector', 'LabelSelector'),
    5: field('manualSelector', 'bool', KEEP_ZERO),
    6: field('template', 'PodTemplateSpec'),
    7: field('backoffLimit', 'int32', KEEP_ZERO),
    8: field('ttlSecondsAfterFinished', 'int32', KEEP_ZERO),
    9: field('completionMode', 'string', KEEP_ZERO),
    10: field('suspend', 'bool', KEEP_ZERO),
    11: field('podFailurePolicy', 'PodFailurePolicy'),
    12: field('backoffLimitPerIndex', 'int32', KEEP_ZERO),
    13: field('maxFailedIndexes', 'int32', KEEP_ZERO),
    14: field('podReplacementPolicy', 'string', KEEP_ZERO),
    15: field('managedBy', 'string', KEEP_ZERO),
    16: field('successPolicy', 'SuccessPolicy'),
    // 17: scheduling (JobSchedulingConfiguration) not described; skipped
  },
  JobStatus: {
    1: list('conditions', 'JobCondition'),
    2: field('startTime', 'Time'),
    3: field('completionTime', 'Time'),
    4: field('active', 'int32'),
    5: field('succeeded', 'int32'),
    6: field('failed', 'int32'),
    7: field('completedIndexes', 'string'),
    8: field('uncountedTerminatedPods', 'UncountedTerminatedPods'),
    9: field('ready', 'int32', KEEP_ZERO),
    10: field('failedIndexes', 'string', KEEP_ZERO),
    11: field('terminating', 'int32', KEEP_ZERO),
  },
  CronJobSpec: {
    1: field('schedule', 'string', KEEP_ZERO),
    2: field('startingDeadlineSeconds', 'int64', KEEP_ZERO),
    3: field('concurrencyPolicy', 'string'),
    4: field('suspend', 'bool', KEEP_ZERO),
    5: field('jobTemplate', 'JobTemplateSpec'),
    6: field('successfulJobsHistoryLimit', 'int32', KEEP_ZERO),
    7: field('failedJobsHistoryLimit', 'int32', KEEP_ZERO),
    8: field('timeZone', 'string', KEEP_ZERO),
  },
  CronJobStatus: {
    1: list('active', 'ObjectReference'),
    4: field('lastScheduleTime', 'Time'),
    5: field('lastSuccessfulTime', 'Time'),
  },
  PodFailurePolicy: {
    1: list('rules', 'PodFailurePolicyRule'),
  },
  SuccessPolicy: {
    1: list('rules', 'SuccessPolicyRule'),
  },
  JobCondition: {
    1: field('type', 'string', KEEP_ZERO),
    2: field('status', 'string', KEEP_ZERO),
    3: field('lastProbeTime', 'Time'),
    4: field('lastTransitionTime', 'Time'),
    5: field('reason', 'string'),
    6: field('message', 'string'),
  },
  UncountedTerminatedPods: {
    1: list('succeeded', 'string'),
    2: list('failed', 'string'),
  },
  JobTemplateSpec: {
    1: field('metadata', 'ObjectMeta'),
    2: field('spec', 'JobSpec'),
  },
  PodFailurePolicyRule: {
    1: field('action', 'string', KEEP_ZERO),
    2: field('onExitCodes', 'PodFailurePolicyOnExitCodesRequirement'),
    3: list('onPodConditions', 'PodFailurePolicyOnPodConditionsPattern'),
  },
  SuccessPolicyRule: {
    1: field('succeededIndexes', 'string', KEEP_ZERO),
    2: field('succeededCount', 'int32', KEEP_ZERO),
  },
  PodFailurePolicyOnExitCodesRequirement: {
    1: field('containerName', 'string', KEEP_ZERO),
    2: field('operator', 'string', KEEP_ZERO),
    3: list('values', 'int32'),
  },
  PodFailurePolicyOnPodConditionsPattern: {
    1: field('type', 'string', KEEP_ZERO),
    2: field('status', 'string', KEEP_ZERO),
  },
};
