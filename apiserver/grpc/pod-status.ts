// What a node may do to its pods: write their status (never their spec) and
// finish their deletion. Both check that the pod is still the one the agent
// knows (uid) and that it is bound to the calling node.
import { ApiError, errors } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import type { Registry } from '../registry/registry';
import type { ConfirmPodDeletedRequest, PodStatusReport } from '../../proto/generated/node';

interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export async function reportPodStatus(registry: Registry, nodeName: string, report: PodStatusReport): Promise<string> {
  checkRef(report);
  const status = parseJsonObject(report.statusJson, 'statusJson');
  const pods = registry.storeFor('', 'v1', 'pods');
  const { object } = await pods.guaranteedUpdate(report.namespace, report.name, undefined, (current) => {
    checkOwnership(current, nodeName, report, 'report status for');
    return { ...current, status };
  }, {}, 'status');
  return object.metadata.resourceVersion ?? '';
}

/** Removes a terminating pod whose containers the node has stopped; already gone counts as done. */
export async function confirmPodDeleted(registry: Registry, nodeName: string, req: ConfirmPodDeletedRequest): Promise<void> {
  checkRef(req);
  const pods = registry.storeFor('', 'v1', 'pods');
  try {
    const current = await pods.get(req.namespace, req.name);
    checkOwnership(current, nodeName, req, 'delete');
    if (!current.metadata.deletionTimestamp) {
      throw errors.forbidden(`node "${nodeName}" may not delete pod ${req.namespace}/${req.name}: nobody asked for its deletion (no deletionTimestamp)`);
    }
    await pods.delete(req.namespace, req.name, { gracePeriodSeconds: 0, preconditions: { uid: req.uid } });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'NotFound') return;
    throw err;
  }
}

function checkRef(ref: PodRef): void {
  const missing = (['namespace', 'name', 'uid'] as const).filter((f) => !ref[f]);
  if (missing.length) {
    throw errors.invalid('Pod', '', ref.name, missing.map((f) => ({ reason: 'FieldValueRequired', field: f, message: 'Required value' })));
  }
}

function checkOwnership(pod: KubeObject, nodeName: string, ref: PodRef, action: string): void {
  if (pod.metadata.uid !== ref.uid) {
    throw errors.conflict('pods', '', ref.name, `the pod has uid ${pod.metadata.uid}, not ${ref.uid}: it was deleted and created again`);
  }
  const boundNode = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (boundNode !== nodeName) {
    const where = boundNode ? `it is bound to node "${boundNode}"` : 'it is not bound to any node';
    throw errors.forbidden(`node "${nodeName}" may not ${action} pod ${ref.namespace}/${ref.name}: ${where}`);
  }
}

export function parseJsonObject(bytes: Uint8Array, field: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`${field} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw errors.badRequest(`${field} must be a JSON object`);
  return value as Record<string, unknown>;
}
