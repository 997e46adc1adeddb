// The self-subject reviews kubectl asks before or instead of acting:
// `auth can-i` (authorization.k8s.io/v1 SelfSubjectAccessReview, and
// SelfSubjectRulesReview for `--list`) and `auth whoami`
// (authentication.k8s.io SelfSubjectReview). They are create-only and never
// stored. Every client of the HTTP API holds an admin token and every
// authenticated request is authorized (Kubernetes' AlwaysAllow), so the answer
// is always "allowed", also under `--as`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from '../../api/errors';
import { REVIEW_RESOURCES } from '../../api/resources';
import type { ResourceRequest } from './request-info';
import { PROTOBUF_MEDIA_TYPE, parseProtobufBody } from './protobuf-body';
import { readBody, sendJson } from './respond';

export interface UserInfo {
  username: string;
  groups: string[];
}

/** The identity behind the admin token (Kubernetes' own admin is in system:masters). */
export const ADMIN_USER: UserInfo = { username: 'kapstan-admin', groups: ['system:masters', 'system:authenticated'] };

/**
 * `kubectl --as NAME [--as-group G]…` sends Impersonate-User/-Group headers;
 * the admin may impersonate anyone, so whoami reports that user, as Kubernetes does.
 */
export function impersonatedUser(req: Pick<IncomingMessage, 'headersDistinct'>): UserInfo {
  const username = req.headersDistinct['impersonate-user']?.[0];
  if (!username) return ADMIN_USER;
  const groups = req.headersDistinct['impersonate-group'] ?? [];
  return { username, groups: groups.includes('system:authenticated') ? groups : [...groups, 'system:authenticated'] };
}

const MAX_REVIEW_BYTES = 64 * 1024;

/** True when the request addresses one of the review resources (any verb). */
export function isReviewRequest(info: ResourceRequest): boolean {
  return REVIEW_RESOURCES.some((r) => r.group === info.group && r.version === info.version && r.plural === info.resource);
}

export async function serveReview(req: IncomingMessage, res: ServerResponse, info: ResourceRequest, now: Date = new Date()): Promise<void> {
  if (req.method !== 'POST' || info.name !== undefined || info.subresource !== undefined || info.namespace !== undefined) {
    throw errors.methodNotAllowed(`${info.resource}.${info.group} can only be created (POST to the collection)`);
  }
  const body = await readReviewBody(req);
  sendJson(res, 201, reviewResponse(info, body, now, impersonatedUser(req)));
}

/** The review as the server returns it: the request's spec with its status filled in. */
export function reviewResponse(
  info: Pick<ResourceRequest, 'group' | 'version' | 'resource'>,
  body: Record<string, unknown>,
  now: Date,
  user: UserInfo = ADMIN_USER,
): Record<string, unknown> {
  const kind = REVIEW_RESOURCES.find((r) => r.group === info.group && r.plural === info.resource)!.kind;
  const head = { apiVersion: `${info.group}/${info.version}`, kind, metadata: { creationTimestamp: now.toISOString().replace(/\.\d+Z$/, 'Z') } };
  const spec = isObject(body.spec) ? body.spec : {};
  switch (info.resource) {
    case 'selfsubjectaccessreviews':
      return { ...head, spec, status: { allowed: true, reason: 'the admin token may do everything' } };
    case 'selfsubjectrulesreviews':
      return {
        ...head,
        spec,
        status: {
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          incomplete: false,
        },
      };
    default:
      return { ...head, status: { userInfo: { username: user.username, groups: user.groups } } };
  }
}

// The body only supplies the spec to echo. kubectl ≥ 1.32 may send it as
// protobuf, whose table does not know these kinds: the answer does not depend
// on it, so an unreadable protobuf body is answered with an empty spec.
async function readReviewBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const buf = await readBody(req, MAX_REVIEW_BYTES);
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === PROTOBUF_MEDIA_TYPE) {
    try {
      const obj = parseProtobufBody(buf);
      return isObject(obj) ? obj : {};
    } catch (err) {
      if (err instanceof ApiError) return {};
      throw err;
    }
  }
  if (buf.length === 0) return {};
  let obj: unknown;
  try {
    obj = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(obj)) throw errors.badRequest('the request body must be an object');
  return obj;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
