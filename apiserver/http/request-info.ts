// Parses a request path the way Kubernetes' RequestInfoFactory does.
export interface ResourceRequest {
  kind: 'resource';
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** The legacy /watch/ path prefix was used. */
  watchPath: boolean;
}

export interface OtherRequest {
  kind: 'other';
  path: string;
}

export type RequestInfo = ResourceRequest | OtherRequest;

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseRequestPath(pathname: string): RequestInfo {
  const escaped = pathname.includes('%');
  const parts: string[] = [];
  for (const part of pathname.split('/')) if (part) parts.push(escaped ? decodeURIComponent(part) : part);
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { kind: 'other', path: '/' + parts.join('/') };
  }
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) {
      rest = rest.slice(2);
    } else {
      // /namespaces/{name}[/status|finalize] addresses the Namespace itself.
      return { kind: 'resource', group, version, resource: 'namespaces', name: rest[1], subresource: rest[2], watchPath };
    }
  }
  if (rest.length === 0 || rest.length > 3) return { kind: 'other', path: '/' + parts.join('/') };
  return { kind: 'resource', group, version, namespace, resource: rest[0], name: rest[1], subresource: rest[2], watchPath };
}
