// GET pods/NAME/log: the container's log, streamed from its node's agent
// through the reverse tunnel as raw text/plain (flushed chunk by chunk).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, ERROR_CODES, ErrorCode } from '../../api/errors';
import type { LogChunk } from '../../proto/generated/node';
import type { ResourceStore } from '../registry/store';
import { tunnelHubFor } from '../grpc/streaming/tunnel-hub';
import { booleanParam, integerParam, resolveStreamTarget } from '../grpc/streaming/stream-target';

export interface PodLogRequest {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  registry: object;
  pods: ResourceStore;
  namespace: string;
  name: string;
}

/** Resolves when the response has ended; throws (before any byte is sent) for request errors. */
export async function servePodLog(r: PodLogRequest): Promise<void> {
  const { res, query } = r;
  if ((r.req.method ?? 'GET') !== 'GET') throw new ApiError('MethodNotAllowed', 'the log subresource supports GET only');
  const hub = tunnelHubFor(r.registry);
  const tailLines = integerParam(query, 'tailLines', 0);
  const sinceSeconds = integerParam(query, 'sinceSeconds', 1);
  const limitBytes = integerParam(query, 'limitBytes', 1);
  const sinceTime = query.get('sinceTime') ?? '';
  if (sinceTime && Number.isNaN(Date.parse(sinceTime))) throw new ApiError('BadRequest', `sinceTime: Invalid value: "${sinceTime}": must be an RFC 3339 time`);
  if (sinceTime && sinceSeconds !== undefined) throw new ApiError('BadRequest', 'at most one of sinceTime or sinceSeconds may be specified');
  const target = await resolveStreamTarget(r.pods, hub, r.namespace, r.name, query.get('container'));
  const pushed = hub.pushLog(target.nodeName, {
    namespace: target.namespace,
    pod: target.pod,
    podUid: target.podUid,
    container: target.container,
    logOptions: {
      follow: booleanParam(query, 'follow'),
      tailLines: tailLines ?? 0,
      tailLinesZero: tailLines === 0,
      timestamps: booleanParam(query, 'timestamps'),
      sinceSeconds: sinceSeconds ?? 0,
      previous: booleanParam(query, 'previous'),
      sinceTime,
      limitBytes: limitBytes ?? 0,
    },
  });
  const clientGone = () => pushed.cancel();
  res.once('close', clientGone);
  const answer = await pushed.answer;
  res.off('close', clientGone);
  if (res.destroyed) return answer.finish();
  if (answer.first.error) {
    answer.finish();
    throw streamError(answer.first.error.reason, answer.first.error.message);
  }

  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'X-Content-Type-Options': 'nosniff' });
  res.flushHeaders();
  const { call } = answer;
  await new Promise<void>((resolve) => {
    const done = () => {
      answer.finish();
      if (!res.writableEnded) res.end();
      resolve();
    };
    const write = (data: Uint8Array) => {
      if (data.length === 0) return;
      // Back-pressure: stop reading from the agent while the client is slow.
      if (!res.write(data)) {
        call.pause();
        res.once('drain', () => call.resume());
      }
    };
    write(answer.first.data);
    call.on('data', (chunk: LogChunk) => write(chunk.data));
    call.on('end', done);
    call.on('error', done);
    call.on('cancelled', done);
    res.on('close', done);
    call.resume();
  });
}

export function streamError(reason: string, message: string): ApiError {
  const code: ErrorCode = ERROR_CODES.includes(reason as ErrorCode) ? (reason as ErrorCode) : 'InternalError';
  return new ApiError(code, message);
}
