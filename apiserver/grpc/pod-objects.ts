// GetPodObject: a ConfigMap or Secret for the calling node's pods. The rule is
// Kubernetes' NodeAuthorizer: a node reads an object only while a pod bound to
// it references the object; anything else is Forbidden, whether it exists or
// not (so a node cannot probe for names). A referenced object that does not
// exist is NotFound, which the agent reports as the pod's config error.
import { errors } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import type { Registry } from '../registry/registry';
import type { GetPodObjectRequest } from '../../proto/generated/node';
import { boundTo } from './pod-watch';
import { podReferences, type PodObjectKind } from './pod-references';

const RESOURCES: Record<PodObjectKind, string> = { ConfigMap: 'configmaps', Secret: 'secrets' };

export async function getPodObject(registry: Registry, nodeName: string, req: GetPodObjectRequest): Promise<KubeObject> {
  if (req.kind !== 'ConfigMap' && req.kind !== 'Secret') {
    throw errors.badRequest(`kind "${req.kind}" cannot be read by nodes: expected ConfigMap or Secret`);
  }
  if (!req.namespace || !req.name) throw errors.badRequest('namespace and name are required');
  const kind: PodObjectKind = req.kind;
  const resource = RESOURCES[kind];
  const bound = boundTo(nodeName);
  const pods = await registry.storeFor('', 'v1', 'pods').list(req.namespace, {
    filter: (pod) => bound(pod) && podReferences(pod.spec, kind, req.name),
  });
  if (pods.items.length === 0) {
    throw errors.forbidden(
      `${resource} "${req.name}" is forbidden: node "${nodeName}" cannot get ${resource} in namespace "${req.namespace}": ` +
      `no relationship found between node "${nodeName}" and this object`,
    );
  }
  return registry.storeFor('', 'v1', resource).get(req.namespace, req.name);
}
