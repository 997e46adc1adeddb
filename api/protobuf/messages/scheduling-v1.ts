// scheduling.k8s.io/v1 PriorityClass.
// Field numbers are those of Kubernetes' generated.proto (k8s.io/api/scheduling/v1);
// JSON names and zero-value handling follow the Go types' json tags.
import { KEEP_ZERO, MessageTable, field } from '../descriptors';

export const SCHEDULING_V1_MESSAGES: MessageTable = {
  PriorityClass: {
    1: field('metadata', 'ObjectMeta'),
    2: field('value', 'int32', KEEP_ZERO),
    3: field('globalDefault', 'bool'),
    4: field('description', 'string'),
    5: field('preemptionPolicy', 'string', KEEP_ZERO),
  },
};
