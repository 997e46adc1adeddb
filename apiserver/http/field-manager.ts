// Who is writing: the fieldManager query parameter, else the program name at
// the start of the User-Agent (`kubectl/v1.33.0 (linux/amd64) ...` →
// `kubectl`), checked as Kubernetes checks CreateOptions/UpdateOptions/PatchOptions.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errors, StatusCause } from '../../api/errors';
import type { KubeObject } from '../../api/types';

export const APPLY_PATCH = 'application/apply-patch+yaml';
const MAX_MANAGER_BYTES = 128;

type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

function invalidOptions(kind: OptionsKind, causes: StatusCause[]) {
  return errors.invalid(kind, 'meta.k8s.io', '', causes);
}

function checkManager(kind: OptionsKind, manager: string): void {
  if (Buffer.byteLength(manager) > MAX_MANAGER_BYTES) {
    throw invalidOptions(kind, [{ reason: 'FieldValueTooLong', field: 'fieldManager', message: `Too long: may not be more than ${MAX_MANAGER_BYTES} bytes` }]);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(manager)) {
    throw invalidOptions(kind, [{ reason: 'FieldValueInvalid', field: 'fieldManager', message: `Invalid value: ${JSON.stringify(manager)}: must only contain printable characters` }]);
  }
}

/** The manager of a create, update or non-apply patch. */
export function updateManagerOf(method: string, query: URLSearchParams, req: IncomingMessage): string {
  const kind: OptionsKind = method === 'POST' ? 'CreateOptions' : method === 'PUT' ? 'UpdateOptions' : 'PatchOptions';
  if (method === 'PATCH' && query.has('force')) {
    throw invalidOptions(kind, [{ reason: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' }]);
  }
  const explicit = query.get('fieldManager');
  if (explicit) {
    checkManager(kind, explicit);
    return explicit;
  }
  const agent = (req.headers['user-agent'] ?? '').split('/')[0].trim();
  return Buffer.from(agent).subarray(0, MAX_MANAGER_BYTES).toString() || 'unknown';
}

/** The manager and force flag of an apply; fieldManager is required (422 as in Kubernetes). */
export function applyOptionsOf(query: URLSearchParams): { manager: string; force: boolean } {
  const manager = query.get('fieldManager') ?? '';
  if (!manager) {
    throw invalidOptions('PatchOptions', [{ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' }]);
  }
  checkManager('PatchOptions', manager);
  const force = query.get('force');
  if (force !== null && !['true', 'false', '1', '0', ''].includes(force)) throw errors.badRequest(`invalid force "${force}"`);
  return { manager, force: force === 'true' || force === '1' };
}

/** An apply body: YAML, or JSON (which YAML includes), holding one object. */
export function parseApplyBody(buf: Buffer): KubeObject {
  let obj: unknown;
  try {
    obj = parseYaml(buf.toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`error decoding YAML: ${(err as Error).message}`);
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw errors.badRequest('the apply configuration must be an object');
  return obj as KubeObject;
}
