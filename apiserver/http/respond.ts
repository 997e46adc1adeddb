import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from '../../api/errors';

export function sendJson(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
  const data = JSON.stringify(body);
  sendJsonBytes(res, code, data, warnings);
}

/** Sends JSON that is already serialized. */
export function sendJsonBytes(res: ServerResponse, code: number, data: Buffer | string, warnings: string[] = []): void {
  const headers: Record<string, string | string[] | number> = {
    'Content-Type': 'application/json',
    'Content-Length': typeof data === 'string' ? Buffer.byteLength(data) : data.length,
    'Cache-Control': 'no-cache, private',
  };
  if (warnings.length) headers['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(data);
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return errors.internal(err instanceof Error ? err.message : String(err));
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = toApiError(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (e.code === 'ServiceUnavailable') res.setHeader('Retry-After', '1');
  sendJson(res, e.httpStatus, e.toStatus());
}

/** Reads the body up to `limit` bytes; larger bodies are refused with 413. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (c: Buffer) => {
      if (refused) return;
      size += c.length;
      if (size > limit) {
        refused = true;
        reject(errors.tooLarge(`Request entity too large: limit is ${limit}`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => !refused && resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
