// OpenAPI v3, which kubectl needs for apply and edit (it reads v2 only as protobuf).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../api/errors';
import { openapiV3Document, openapiV3Index } from '../../api/openapi';
import { sendJson } from './respond';
import { serveOpenApiV2 } from './openapi-v2';

export function serveOpenApi(_req: IncomingMessage, res: ServerResponse, path: string, _query: URLSearchParams): void {
  if (path === '/openapi/v2') return serveOpenApiV2(_req, res);
  if (path === '/openapi/v3') return sendJson(res, 200, openapiV3Index());
  const gv = path.slice('/openapi/v3/'.length);
  if (path.startsWith('/openapi/v3/')) {
    const doc = openapiV3Document(gv);
    if (doc) return sendJson(res, 200, doc);
  }
  throw errors.notFound('openapi', '', path);
}
