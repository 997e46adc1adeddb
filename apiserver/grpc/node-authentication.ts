// Who is calling: a node proven by its client certificate (CN
// system:node:NAME, verified against the client CA by TLS), or an agent
// holding the cluster's join token, which may act for the node it names.
import type { Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { errors } from '../../api/errors';
import { NODE_TOKEN_USER, parseJoinToken, secretsEqual } from '../pki/tokens';

type AuthContext = ReturnType<ServerUnaryCall<unknown, unknown>['getAuthContext']>;

const NODE_USER_PREFIX = 'system:node:';
/** RFC 1123 DNS subdomain, as Kubernetes requires of node names. */
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export interface NodeIdentity {
  nodeName: string;
  via: 'certificate' | 'token';
}

export interface NodeAuthenticator {
  /** The identity acting for `requestedNode` (may be empty for certificate callers). */
  authenticate(call: { metadata: Metadata; getAuthContext(): AuthContext }, requestedNode: string): NodeIdentity;
}

export interface JoinTokenCheck {
  /** The node token's secret, or a getter for the current one (it can be rotated while the server runs). */
  nodeTokenSecret: string | (() => string);
  caHash: string;
}

export function nodeAuthenticator(opts: JoinTokenCheck): NodeAuthenticator {
  return {
    authenticate(call, requestedNode) {
      const certNode = certificateNode(call.getAuthContext());
      if (certNode !== undefined) {
        if (requestedNode && requestedNode !== certNode) {
          throw errors.forbidden(`node "${certNode}" (client certificate ${NODE_USER_PREFIX}${certNode}) may not act for node "${requestedNode}"`);
        }
        return { nodeName: certNode, via: 'certificate' };
      }
      checkJoinToken(call.metadata, opts);
      checkNodeName(requestedNode);
      return { nodeName: requestedNode, via: 'token' };
    },
  };
}

export function checkNodeName(name: string): void {
  if (!name) {
    throw errors.invalid('Node', '', name, [{ reason: 'FieldValueRequired', field: 'nodeName', message: 'Required value: the node name is required' }]);
  }
  if (name.length > 253 || !NODE_NAME.test(name)) {
    throw errors.invalid('Node', '', name, [{
      reason: 'FieldValueInvalid',
      field: 'nodeName',
      message: `Invalid value: "${name}": a node name must be a lowercase RFC 1123 subdomain (letters, digits, '-' and '.')`,
    }]);
  }
}

/** The node named by a verified client certificate, if the caller presented one. */
function certificateNode(ctx: AuthContext): string | undefined {
  const cert = ctx.sslPeerCertificate;
  if (!cert) return undefined;
  const cn = Array.isArray(cert.subject?.CN) ? cert.subject.CN[0] : cert.subject?.CN;
  if (typeof cn !== 'string' || !cn.startsWith(NODE_USER_PREFIX) || cn.length === NODE_USER_PREFIX.length) {
    throw errors.forbidden(`client certificate "${cn ?? ''}" is not a node's: expected CN ${NODE_USER_PREFIX}NAME`);
  }
  return cn.slice(NODE_USER_PREFIX.length);
}

function checkJoinToken(metadata: Metadata, opts: JoinTokenCheck): void {
  const header = metadata.get('authorization')[0];
  if (header === undefined) {
    throw errors.unauthorized('no client certificate and no "authorization: Bearer <join token>" metadata: a node must present one of them');
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(String(header));
  if (!match) throw errors.unauthorized('the authorization metadata must be "Bearer <join token>"');
  let token;
  try {
    token = parseJoinToken(match[1]);
  } catch (err) {
    throw errors.unauthorized((err as Error).message);
  }
  if (token.caHash !== undefined && !secretsEqual(opts.caHash, token.caHash)) {
    throw errors.unauthorized('the join token was issued for another cluster: its CA hash does not match this server\'s CA');
  }
  if (token.user !== undefined && token.user !== NODE_TOKEN_USER) {
    throw errors.unauthorized(`the join token is for user "${token.user}", not "${NODE_TOKEN_USER}"`);
  }
  const current = typeof opts.nodeTokenSecret === 'function' ? opts.nodeTokenSecret() : opts.nodeTokenSecret;
  if (!secretsEqual(current, token.secret)) {
    throw errors.unauthorized('invalid join token: the secret does not match the cluster\'s current node token; '
      + 'the join token was revoked or is wrong (a server\'s DATA/node-token holds the current one, see `kapstan token rotate`)');
  }
}
