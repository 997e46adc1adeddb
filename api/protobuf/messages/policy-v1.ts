// policy/v1 Eviction (what `kubectl drain` posts to pods/NAME/eviction).
// Field numbers are those of Kubernetes' generated.proto (k8s.io/api/policy/v1);
// JSON names and zero-value handling follow the Go types' json tags.
import { MessageTable, field } from '../descriptors';

export const POLICY_V1_MESSAGES: MessageTable = {
  Eviction: {
    1: field('metadata', 'ObjectMeta'),
    2: field('deleteOptions', 'DeleteOptions'),
  },
};
