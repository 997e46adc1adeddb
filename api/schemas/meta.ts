// apimachinery types every kind shares: ObjectMeta, LabelSelector, Time,
// Quantity, IntOrString, Condition.

import {
  JsonSchema, META, QUANTITY, INT_OR_STRING, TIME, MICRO_TIME,
  ref, str, int64, bool, arr, obj, strMap, listMap, listSet, oneOfStrings,
} from './builders';

export const META_DEFINITIONS: Record<string, JsonSchema> = {
  // A string such as `500m` or `64Mi`, or a JSON number; syntax is checked by validation.ts.
  [QUANTITY]: { type: ['string', 'number'], description: 'Quantity: a fixed-point number such as 500m, 2, 1.5, 64Mi, 1G.' },
  [INT_OR_STRING]: { type: ['integer', 'string'], 'x-kubernetes-int-or-string': true },
  // RFC 3339; null is what `kubectl create --dry-run -o yaml` writes for an unset time.
  [TIME]: { type: ['string', 'null'], format: 'date-time' },
  [MICRO_TIME]: { type: ['string', 'null'], format: 'date-time' },

  [`${META}OwnerReference`]: obj(
    {
      apiVersion: str(),
      kind: str(),
      name: str(),
      uid: str(),
      controller: bool(),
      blockOwnerDeletion: bool(),
    },
    ['apiVersion', 'kind', 'name', 'uid'],
  ),
  [`${META}ManagedFieldsEntry`]: obj({
    manager: str(),
    operation: oneOfStrings('Apply', 'Update'),
    apiVersion: str(),
    time: ref(TIME),
    fieldsType: str(),
    fieldsV1: { type: 'object' },
    subresource: str(),
  }),
  [`${META}ObjectMeta`]: obj({
    name: str(),
    generateName: str(),
    namespace: str(),
    selfLink: str(),
    uid: str(),
    resourceVersion: str(),
    generation: int64(),
    creationTimestamp: ref(TIME),
    deletionTimestamp: ref(TIME),
    deletionGracePeriodSeconds: int64(),
    labels: strMap(),
    annotations: strMap(),
    ownerReferences: listMap(ref(`${META}OwnerReference`), 'uid'),
    finalizers: listSet(str()),
    managedFields: arr(ref(`${META}ManagedFieldsEntry`)),
  }),
  [`${META}LabelSelectorRequirement`]: obj(
    { key: str(), operator: oneOfStrings('In', 'NotIn', 'Exists', 'DoesNotExist'), values: arr(str()) },
    ['key', 'operator'],
  ),
  [`${META}LabelSelector`]: obj({
    matchLabels: strMap(),
    matchExpressions: arr(ref(`${META}LabelSelectorRequirement`)),
  }),
  [`${META}Condition`]: obj(
    {
      type: str(),
      status: oneOfStrings('True', 'False', 'Unknown'),
      observedGeneration: int64(),
      lastTransitionTime: ref(TIME),
      reason: str(),
      message: str(),
    },
    ['type', 'status'],
  ),
};

/** A `conditions` list of the common {type, status, times, reason, message} shape. */
export function conditionsOf(name: string, timeFields: string[]): JsonSchema {
  const props: Record<string, JsonSchema> = {
    type: str(),
    status: oneOfStrings('True', 'False', 'Unknown'),
    reason: str(),
    message: str(),
  };
  for (const f of timeFields) props[f] = ref(TIME);
  return listMap(obj(props, ['type', 'status'], name), 'type');
}

