// One error taxonomy for the whole project. Each code maps once to an HTTP
// metav1.Status (reason + code) and once to a gRPC status code; a unit test
// checks that every code is mapped in both tables.

export type ErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'Gone'
  | 'Expired'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'TooManyRequests'
  | 'InternalError';

export const ERROR_CODES: readonly ErrorCode[] = [
  'NotFound', 'AlreadyExists', 'Conflict', 'Invalid', 'BadRequest', 'Unauthorized', 'Forbidden',
  'MethodNotAllowed', 'NotAcceptable', 'UnsupportedMediaType', 'RequestEntityTooLarge', 'Gone',
  'Expired', 'ServiceUnavailable', 'Timeout', 'TooManyRequests', 'InternalError',
];

/** HTTP status code of each error, as Kubernetes answers it. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  UnsupportedMediaType: 415,
  RequestEntityTooLarge: 413,
  Gone: 410,
  Expired: 410,
  ServiceUnavailable: 503,
  Timeout: 504,
  TooManyRequests: 429,
  InternalError: 500,
};

/** gRPC status code numbers (grpc.status), so api/ needs no gRPC import. */
export const GRPC_STATUS: Record<ErrorCode, number> = {
  NotFound: 5, // NOT_FOUND
  AlreadyExists: 6, // ALREADY_EXISTS
  Conflict: 10, // ABORTED
  Invalid: 3, // INVALID_ARGUMENT
  BadRequest: 3, // INVALID_ARGUMENT
  Unauthorized: 16, // UNAUTHENTICATED
  Forbidden: 7, // PERMISSION_DENIED
  MethodNotAllowed: 12, // UNIMPLEMENTED
  NotAcceptable: 3, // INVALID_ARGUMENT
  UnsupportedMediaType: 3, // INVALID_ARGUMENT
  RequestEntityTooLarge: 8, // RESOURCE_EXHAUSTED
  Gone: 11, // OUT_OF_RANGE
  Expired: 11, // OUT_OF_RANGE
  ServiceUnavailable: 14, // UNAVAILABLE
  Timeout: 4, // DEADLINE_EXCEEDED
  TooManyRequests: 8, // RESOURCE_EXHAUSTED
  InternalError: 13, // INTERNAL
};

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** metav1.Status as it travels on the wire. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  toStatus(): Status {
    const s: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.code,
      code: HTTP_STATUS[this.code],
    };
    if (this.details) s.details = this.details;
    return s;
  }
}

export function isApiError(err: unknown, code?: ErrorCode): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

/** Rebuilds an ApiError from a Status body received over HTTP. */
export function fromStatus(status: Partial<Status>, httpCode?: number): ApiError {
  const reason = status.reason as ErrorCode | undefined;
  const code: ErrorCode =
    reason && reason in HTTP_STATUS ? reason : codeForHttpStatus(status.code ?? httpCode ?? 500);
  return new ApiError(code, status.message ?? `request failed with ${status.code ?? httpCode}`, status.details);
}

function codeForHttpStatus(http: number): ErrorCode {
  for (const c of ERROR_CODES) if (HTTP_STATUS[c] === http) return c;
  return 'InternalError';
}

/** `pods "web"` or `deployments.apps "web"`: how Kubernetes names a resource in messages. */
export function qualifiedResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const errors = {
  notFound(resource: string, group: string, name: string): ApiError {
    return new ApiError('NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, {
      name,
      group: group || undefined,
      kind: resource,
    });
  },
  alreadyExists(resource: string, group: string, name: string): ApiError {
    return new ApiError('AlreadyExists', `${qualifiedResource(resource, group)} "${name}" already exists`, {
      name,
      group: group || undefined,
      kind: resource,
    });
  },
  conflict(resource: string, group: string, name: string, why?: string): ApiError {
    const msg =
      why ?? 'the object has been modified; please apply your changes to the latest version and try again';
    return new ApiError(
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${msg}`,
      { name, group: group || undefined, kind: resource },
    );
  },
  /** 422 with one cause per wrong field; the message lists them all as Kubernetes does. */
  invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
    const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : `${c.message}`));
    const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    return new ApiError('Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${summary}`, {
      name,
      group: group || undefined,
      kind,
      causes,
    });
  },
  badRequest(message: string): ApiError {
    return new ApiError('BadRequest', message);
  },
  unauthorized(message = 'Unauthorized'): ApiError {
    return new ApiError('Unauthorized', message);
  },
  forbidden(message: string): ApiError {
    return new ApiError('Forbidden', message);
  },
  methodNotAllowed(message = 'the server does not allow this method on the requested resource'): ApiError {
    return new ApiError('MethodNotAllowed', message);
  },
  unsupportedMediaType(type: string): ApiError {
    return new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/merge-patch+json, application/json-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml; got ${type}`);
  },
  tooLarge(message = 'Request entity too large: limit is 3145728'): ApiError {
    return new ApiError('RequestEntityTooLarge', message);
  },
  gone(message: string): ApiError {
    return new ApiError('Gone', message);
  },
  expired(message: string): ApiError {
    return new ApiError('Expired', message);
  },
  unavailable(message: string): ApiError {
    return new ApiError('ServiceUnavailable', message, { retryAfterSeconds: 1 });
  },
  timeout(message: string): ApiError {
    return new ApiError('Timeout', message);
  },
  internal(message: string): ApiError {
    return new ApiError('InternalError', `Internal error occurred: ${message}`);
  },
};
