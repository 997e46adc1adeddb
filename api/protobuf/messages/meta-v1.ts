// meta/v1 types embedded in objects: ObjectMeta, LabelSelector, Condition, DeleteOptions.
// Field numbers are those of Kubernetes' generated.proto (k8s.io/apimachinery/pkg/apis/meta/v1);
// JSON names and zero-value handling follow the Go types' json tags.
import { KEEP_ZERO, MessageTable, field, list, map } from '../descriptors';

export const META_V1_MESSAGES: MessageTable = {
  ObjectMeta: {
    1: field('name', 'string'),
    2: field('generateName', 'string'),
    3: field('namespace', 'string'),
    4: field('selfLink', 'string'),
    5: field('uid', 'string'),
    6: field('resourceVersion', 'string'),
    7: field('generation', 'int64'),
    8: field('creationTimestamp', 'Time'),
    9: field('deletionTimestamp', 'Time'),
    10: field('deletionGracePeriodSeconds', 'int64', KEEP_ZERO),
    11: map('labels', 'string'),
    12: map('annotations', 'string'),
    13: list('ownerReferences', 'OwnerReference'),
    14: list('finalizers', 'string'),
    17: list('managedFields', 'ManagedFieldsEntry'),
  },
  DeleteOptions: {
    1: field('gracePeriodSeconds', 'int64', KEEP_ZERO),
    2: field('preconditions', 'Preconditions'),
    3: field('orphanDependents', 'bool', KEEP_ZERO),
    4: field('propagationPolicy', 'string', KEEP_ZERO),
    5: list('dryRun', 'string'),
    6: field('ignoreStoreReadErrorWithClusterBreakingPotential', 'bool', KEEP_ZERO),
  },
  OwnerReference: {
    1: field('kind', 'string', KEEP_ZERO),
    3: field('name', 'string', KEEP_ZERO),
    4: field('uid', 'string', KEEP_ZERO),
    5: field('apiVersion', 'string', KEEP_ZERO),
    6: field('controller', 'bool', KEEP_ZERO),
    7: field('blockOwnerDeletion', 'bool', KEEP_ZERO),
  },
  ManagedFieldsEntry: {
    1: field('manager', 'string'),
    2: field('operation', 'string'),
    3: field('apiVersion', 'string'),
    4: field('time', 'Time'),
    6: field('fieldsType', 'string'),
    7: field('fieldsV1', 'FieldsV1'),
    8: field('subresource', 'string'),
  },
  Condition: {
    1: field('type', 'string', KEEP_ZERO),
    2: field('status', 'string', KEEP_ZERO),
    3: field('observedGeneration', 'int64'),
    4: field('lastTransitionTime', 'Time'),
    5: field('reason', 'string', KEEP_ZERO),
    6: field('message', 'string', KEEP_ZERO),
  },
  LabelSelector: {
    1: map('matchLabels', 'string'),
    2: list('matchExpressions', 'LabelSelectorRequirement'),
  },
  Preconditions: {
    1: field('uid', 'string', KEEP_ZERO),
    2: field('resourceVersion', 'string', KEEP_ZERO),
  },
  LabelSelectorRequirement: {
    1: field('key', 'string', KEEP_ZERO),
    2: field('operator', 'string', KEEP_ZERO),
    3: list('values', 'string'),
  },
};
