// core/v1 Node: spec (podCIDR, taints, unschedulable) and status (capacity,
// allocatable, conditions, addresses, nodeInfo).

import { JsonSchema, CORE, TIME, ref, str, int32, int64, bool, arr, obj, quantityMap, listMap, oneOfStrings, kind } from './builders';
import { conditionsOf } from './meta';
import { TAINT_EFFECTS } from './pod';

const C = (name: string) => ref(CORE + name);

export const NODE_DEFINITIONS: Record<string, JsonSchema> = {
  [`${CORE}Taint`]: obj({ key: str(), value: str(), effect: oneOfStrings(...TAINT_EFFECTS), timeAdded: ref(TIME) }, ['key', 'effect']),
  [`${CORE}NodeSpec`]: obj({
    podCIDR: str(),
    podCIDRs: arr(str(), { 'x-kubernetes-patch-strategy': 'merge' }),
    providerID: str(),
    unschedulable: bool(),
    taints: arr(C('Taint')),
    externalID: str(),
  }),
  [`${CORE}NodeAddress`]: obj(
    { type: oneOfStrings('Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS'), address: str() },
    ['type', 'address'],
  ),
  [`${CORE}NodeSystemInfo`]: obj({
    machineID: str(),
    systemUUID: str(),
    bootID: str(),
    kernelVersion: str(),
    osImage: str(),
    containerRuntimeVersion: str(),
    kubeletVersion: str(),
    kubeProxyVersion: str(),
    operatingSystem: str(),
    architecture: str(),
    swap: obj({ capacity: int64() }),
  }),
  [`${CORE}NodeStatus`]: obj({
    capacity: quantityMap(),
    allocatable: quantityMap(),
    phase: oneOfStrings('Pending', 'Running', 'Terminated'),
    conditions: conditionsOf('NodeCondition', ['lastHeartbeatTime', 'lastTransitionTime']),
    addresses: listMap(C('NodeAddress'), 'type'),
    daemonEndpoints: obj({ kubeletEndpoint: obj({ Port: int32() }, ['Port']) }),
    nodeInfo: C('NodeSystemInfo'),
    images: arr(obj({ names: arr(str()), sizeBytes: int64() })),
    volumesInUse: arr(str()),
    volumesAttached: arr(obj({ name: str(), devicePath: str() }, ['name', 'devicePath'])),
    runtimeHandlers: arr(obj({ name: str(), features: obj({ recursiveReadOnlyMounts: bool(), userNamespaces: bool() }) })),
    features: obj({ supplementalGroupsPolicy: bool() }),
  }),
  [`${CORE}Node`]: kind('', 'v1', 'Node', { spec: C('NodeSpec'), status: C('NodeStatus') }),
};
