// Register: the Node object as the agent describes its machine, its Lease, and
// a client certificate for the agent's key (CN system:node:NAME).
import { ApiError, errors } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import type { Registry } from '../registry/registry';
import type { CertificateAuthority } from '../pki/certificate-authority';
import { NODES_GROUP, nodeUserName, signClientCertificate } from '../pki/client-certificate';
import type { NodeSystemInfo, RegisterRequest, RegisterResponse } from '../../proto/generated/node';
import { checkConditions, mergeConditions, NodeConditionJson } from './node-conditions';
import { renewNodeLease } from './node-lease';
import type { RangeAllocator } from '../registry/allocators/range-allocator';
import { ensureNodePodCidr } from '../registry/allocators/node-pod-cidr';

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_OS = 'kubernetes.io/os';
export const LABEL_ARCH = 'kubernetes.io/arch';

export interface RegistrationDeps {
  registry: Registry;
  clientCa: CertificateAuthority;
  clusterCaPem: string;
  leaseDurationSeconds: number;
  now(): Date;
  /** Hands each new node a pod subnet (spec.podCIDR); without it podCidr stays empty. */
  podCidrs?: RangeAllocator;
}

interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
}

interface NodeStatus {
  conditions?: NodeConditionJson[];
  [field: string]: unknown;
}

export async function registerNode(deps: RegistrationDeps, nodeName: string, req: RegisterRequest): Promise<RegisterResponse> {
  const info = req.nodeInfo;
  if (!info?.architecture || !info.operatingSystem) {
    throw errors.invalid('Node', '', nodeName, [{
      reason: 'FieldValueRequired',
      field: info?.architecture ? 'nodeInfo.operatingSystem' : 'nodeInfo.architecture',
      message: 'Required value: the node labels kubernetes.io/os and kubernetes.io/arch come from it',
    }]);
  }
  checkConditions(nodeName, req.conditions);
  if (!req.csrPem) throw errors.badRequest('csrPem is required: the agent sends a certificate signing request for its key');
  // Sign first: a bad CSR changes nothing in the cluster.
  let clientCertificatePem: string;
  try {
    clientCertificatePem = await signClientCertificate(deps.clientCa, req.csrPem, nodeUserName(nodeName), NODES_GROUP);
  } catch (err) {
    throw errors.badRequest(`cannot sign the node's certificate signing request: ${(err as Error).message}`);
  }

  const now = deps.now();
  const labels = { ...req.labels, [LABEL_HOSTNAME]: nodeName, [LABEL_OS]: info.operatingSystem, [LABEL_ARCH]: info.architecture };
  const described = {
    capacity: { ...req.capacity },
    allocatable: { ...req.allocatable },
    addresses: req.addresses.map((a) => ({ type: a.type, address: a.address })),
    nodeInfo: systemInfo(info),
  };
  const registered = await upsertNode(deps.registry, nodeName, (existing) => {
    const status = (existing?.status ?? {}) as NodeStatus;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { ...existing?.metadata, name: nodeName, labels: { ...existing?.metadata.labels, ...labels } },
      spec: existing?.spec ?? {},
      status: { ...status, ...described, conditions: mergeConditions(status.conditions, req.conditions, now) },
    };
  });
  const node = deps.podCidrs ? await ensureNodePodCidr(deps.registry, registered, deps.podCidrs) : registered;
  await renewNodeLease(deps.registry, node, deps.leaseDurationSeconds, now);
  const spec = (node.spec ?? {}) as NodeSpec;
  return {
    podCidr: spec.podCIDR ?? '',
    podCidrs: spec.podCIDRs ?? (spec.podCIDR ? [spec.podCIDR] : []),
    clientCertificatePem,
    clusterCaPem: deps.clusterCaPem,
    nodeUid: node.metadata.uid ?? '',
    leaseDurationSeconds: deps.leaseDurationSeconds,
  };
}

/** Creates the Node, or rewrites an existing one (keeping its spec and other labels). */
async function upsertNode(registry: Registry, name: string, build: (existing?: KubeObject) => KubeObject): Promise<KubeObject> {
  const nodes = registry.storeFor('', 'v1', 'nodes');
  for (;;) {
    try {
      return (await nodes.guaranteedUpdate(undefined, name, undefined, (current) => build(current), {}, 'whole')).object;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'NotFound')) throw err;
    }
    try {
      return (await nodes.create(undefined, build())).object;
    } catch (err) {
      // Created by a concurrent registration in between: update that one.
      if (!(err instanceof ApiError && err.code === 'AlreadyExists')) throw err;
    }
  }
}

function systemInfo(info: NodeSystemInfo): Record<string, string> {
  return {
    machineID: info.machineId,
    systemUUID: info.systemUuid,
    bootID: info.bootId,
    kernelVersion: info.kernelVersion,
    osImage: info.osImage,
    containerRuntimeVersion: info.containerRuntimeVersion,
    kubeletVersion: info.kubeletVersion,
    kubeProxyVersion: '',
    operatingSystem: info.operatingSystem,
    architecture: info.architecture,
  };
}
