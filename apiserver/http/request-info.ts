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

/**
 * The path and query of a request target. A plain target (printable ASCII,
 * no dot segments, no backslash) is split as it is, which is what WHATWG URL
 * parsing would give; anything else goes through URL for its normalization.
 * (URL objects cost microseconds on every request.)
 */
export function requestTarget(target: string): { pathname: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path) && !target.includes('#')) {
    return { pathname: path, query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) };
  }
  const url = new URL(target, 'https://localhost');
  return { pathname: url.pathname, query: url.searchParams };
}

const PLAIN_PATH = /^\/[\x21-\x7e]*$/;
const DOT_SEGMENT = /\/(?:\.|%2e)(?:\.|%2e)?(?:\/|$)|\\/i;

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
