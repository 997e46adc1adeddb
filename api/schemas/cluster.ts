// The smaller kinds: Namespace, ConfigMap, Secret, ServiceAccount, Event
// (core/v1), Lease (coordination.k8s.io/v1), PriorityClass (scheduling.k8s.io/v1).

import {
  JsonSchema, CORE, COORDINATION, SCHEDULING, MICRO_TIME, TIME,
  ref, str, int32, bool, bytes, arr, obj, mapOf, strMap, listMap, listSet, oneOfStrings, kind,
} from './builders';
import { conditionsOf } from './meta';

const C = (name: string) => ref(CORE + name);

export const CLUSTER_DEFINITIONS: Record<string, JsonSchema> = {
  [`${CORE}NamespaceSpec`]: obj({ finalizers: listSet(str()) }),
  [`${CORE}NamespaceStatus`]: obj({
    phase: oneOfStrings('Active', 'Terminating'),
    conditions: conditionsOf('NamespaceCondition', ['lastTransitionTime']),
  }),
  [`${CORE}Namespace`]: kind('', 'v1', 'Namespace', { spec: C('NamespaceSpec'), status: C('NamespaceStatus') }),

  [`${CORE}ConfigMap`]: kind('', 'v1', 'ConfigMap', { data: strMap(), binaryData: mapOf(bytes()), immutable: bool() }),
  [`${CORE}Secret`]: kind('', 'v1', 'Secret', {
    data: mapOf(bytes()),
    stringData: strMap(),
    type: str(),
    immutable: bool(),
  }),
  [`${CORE}ServiceAccount`]: kind('', 'v1', 'ServiceAccount', {
    secrets: listMap(C('ObjectReference'), 'name'),
    imagePullSecrets: arr(C('LocalObjectReference')),
    automountServiceAccountToken: bool(),
  }),
  [`${CORE}EventSource`]: obj({ component: str(), host: str() }),
  [`${CORE}Event`]: kind(
    '',
    'v1',
    'Event',
    {
      involvedObject: C('ObjectReference'),
      reason: str(),
      message: str(),
      source: C('EventSource'),
      firstTimestamp: ref(TIME),
      lastTimestamp: ref(TIME),
      count: int32(),
      type: str(),
      eventTime: ref(MICRO_TIME),
      series: obj({ count: int32(), lastObservedTime: ref(MICRO_TIME) }),
      action: str(),
      related: C('ObjectReference'),
      reportingComponent: str(),
      reportingInstance: str(),
    },
    ['involvedObject'],
  ),

  [`${COORDINATION}LeaseSpec`]: obj({
    holderIdentity: str(),
    leaseDurationSeconds: int32(),
    acquireTime: ref(MICRO_TIME),
    renewTime: ref(MICRO_TIME),
    leaseTransitions: int32(),
    strategy: str(),
    preferredHolder: str(),
  }),
  [`${COORDINATION}Lease`]: kind('coordination.k8s.io', 'v1', 'Lease', { spec: ref(`${COORDINATION}LeaseSpec`) }),

  [`${SCHEDULING}PriorityClass`]: kind(
    'scheduling.k8s.io',
    'v1',
    'PriorityClass',
    {
      value: int32(),
      globalDefault: bool(),
      description: str(),
      preemptionPolicy: oneOfStrings('PreemptLowerPriority', 'Never'),
    },
    ['value'],
  ),
};
