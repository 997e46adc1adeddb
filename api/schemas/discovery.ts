// discovery.k8s.io/v1 EndpointSlice: a Service's endpoints in slices of at
// most 100 (the controller's default), as kube-proxy and `kubectl describe
// service` (1.29+) read them.

import { JsonSchema, CORE, ref, str, int32, bool, arr, obj, strMap, listSet, oneOfStrings, kind } from './builders';
import { PROTOCOLS } from './pod';

export const DISCOVERY = 'io.k8s.api.discovery.v1.';
export const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'];

const D = (name: string) => ref(DISCOVERY + name);

export const DISCOVERY_DEFINITIONS: Record<string, JsonSchema> = {
  [`${DISCOVERY}EndpointConditions`]: obj({ ready: bool(), serving: bool(), terminating: bool() }),
  [`${DISCOVERY}EndpointHints`]: obj({
    forZones: arr(obj({ name: str() }, ['name'])),
    forNodes: arr(obj({ name: str() }, ['name'])),
  }),
  [`${DISCOVERY}Endpoint`]: obj(
    {
      addresses: listSet(str()),
      conditions: D('EndpointConditions'),
      hostname: str(),
      targetRef: ref(`${CORE}ObjectReference`),
      deprecatedTopology: strMap(),
      nodeName: str(),
      zone: str(),
      hints: D('EndpointHints'),
    },
    ['addresses'],
  ),
  [`${DISCOVERY}EndpointPort`]: obj({ name: str(), protocol: oneOfStrings(...PROTOCOLS), port: int32(), appProtocol: str() }),
  [`${DISCOVERY}EndpointSlice`]: kind(
    'discovery.k8s.io',
    'v1',
    'EndpointSlice',
    {
      addressType: oneOfStrings(...ADDRESS_TYPES),
      endpoints: arr(D('Endpoint'), { 'x-kubernetes-list-type': 'atomic' }),
      ports: arr(D('EndpointPort'), { 'x-kubernetes-list-type': 'atomic' }),
    },
    ['addressType', 'endpoints'],
  ),
};
