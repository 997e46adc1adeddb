// core/v1 Service and Endpoints.

import { JsonSchema, CORE, META, INT_OR_STRING, ref, str, int32, bool, arr, obj, strMap, listMap, oneOfStrings, kind } from './builders';
import { PROTOCOLS } from './pod';

const C = (name: string) => ref(CORE + name);

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

export const SERVICE_DEFINITIONS: Record<string, JsonSchema> = {
  [`${CORE}ServicePort`]: obj(
    {
      name: str(),
      protocol: oneOfStrings(...PROTOCOLS),
      appProtocol: str(),
      port: int32(),
      targetPort: ref(INT_OR_STRING),
      nodePort: int32(),
    },
    ['port'],
  ),
  [`${CORE}ServiceSpec`]: obj({
    ports: listMap(C('ServicePort'), 'port', ['protocol']),
    selector: strMap(),
    clusterIP: str(),
    clusterIPs: arr(str()),
    type: oneOfStrings(...SERVICE_TYPES),
    externalIPs: arr(str()),
    sessionAffinity: oneOfStrings('ClientIP', 'None'),
    loadBalancerIP: str(),
    loadBalancerSourceRanges: arr(str()),
    externalName: str(),
    externalTrafficPolicy: oneOfStrings('Cluster', 'Local'),
    healthCheckNodePort: int32(),
    publishNotReadyAddresses: bool(),
    sessionAffinityConfig: obj({ clientIP: obj({ timeoutSeconds: int32() }) }),
    ipFamilies: arr(oneOfStrings('IPv4', 'IPv6')),
    ipFamilyPolicy: oneOfStrings('SingleStack', 'PreferDualStack', 'RequireDualStack'),
    allocateLoadBalancerNodePorts: bool(),
    loadBalancerClass: str(),
    internalTrafficPolicy: oneOfStrings('Cluster', 'Local'),
    trafficDistribution: str(),
  }),
  [`${CORE}ServiceStatus`]: obj({
    loadBalancer: obj({
      ingress: arr(
        obj({
          ip: str(),
          hostname: str(),
          ipMode: oneOfStrings('VIP', 'Proxy'),
          ports: arr(obj({ port: int32(), protocol: oneOfStrings(...PROTOCOLS), error: str() }, ['port', 'protocol'])),
        }),
      ),
    }),
    conditions: listMap(ref(`${META}Condition`), 'type'),
  }),
  [`${CORE}Service`]: kind('', 'v1', 'Service', { spec: C('ServiceSpec'), status: C('ServiceStatus') }),

  [`${CORE}EndpointAddress`]: obj(
    { ip: str(), hostname: str(), nodeName: str(), targetRef: C('ObjectReference') },
    ['ip'],
  ),
  [`${CORE}EndpointPort`]: obj(
    { name: str(), port: int32(), protocol: oneOfStrings(...PROTOCOLS), appProtocol: str() },
    ['port'],
  ),
  [`${CORE}EndpointSubset`]: obj({
    addresses: arr(C('EndpointAddress')),
    notReadyAddresses: arr(C('EndpointAddress')),
    ports: arr(C('EndpointPort')),
  }),
  [`${CORE}Endpoints`]: kind('', 'v1', 'Endpoints', { subsets: arr(C('EndpointSubset')) }),
};
