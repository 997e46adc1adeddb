// Kapstan's images API (`kctl image import` / `kctl image ls`), served through the nodes' reverse tunnel:
//   POST /apis/images.kapstan.io/v1/nodes/NODE/import?name=NAME:TAG   body: the archive (streamed)
//   GET  /apis/images.kapstan.io/v1/nodes/NODE/images
// The archive is never held whole: each chunk of the request body goes down the agent's ImageSession
// call as it arrives, with back-pressure both ways (images can be hundreds of MB).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from '../../api/errors';
import type { ImageAnswer } from '../grpc/streaming/tunnel-hub';
import { notConnected, tunnelHubFor } from '../grpc/streaming/tunnel-hub';
import type { ImageFrame, ImageResult, ImageSummary } from '../../proto/generated/node';
import { StreamRequest, StreamRequest_Kind } from '../../proto/generated/node';
import type { Registry } from '../registry/registry';
import { sendJson } from './respond';
import { streamError } from './pod-log-handler';

export const IMAGES_API_PREFIX = '/apis/images.kapstan.io/v1/';
const API_VERSION = 'images.kapstan.io/v1';

export interface ImagesApiRequest {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  query: URLSearchParams;
  registry: Registry;
}

export async function serveImagesApi(r: ImagesApiRequest): Promise<void> {
  const m = /^\/apis\/images\.kapstan\.io\/v1\/nodes\/([^/]+)\/(import|images)$/.exec(r.path);
  if (!m) throw new ApiError('NotFound', `the server could not find the requested resource (${r.req.method} ${r.path})`);
  const node = decodeURIComponent(m[1]);
  const method = r.req.method ?? 'GET';
  if (m[2] === 'import' && method !== 'POST') throw errors.methodNotAllowed('image import takes POST with the archive as the body');
  if (m[2] === 'images' && method !== 'GET') throw errors.methodNotAllowed('the image list supports GET only');
  const name = r.query.get('name') ?? '';
  if (m[2] === 'import' && !name) throw errors.badRequest('name: Required value: the name (NAME:TAG) to store the imported image under');
  await r.registry.storeFor('', 'v1', 'nodes').get(undefined, node); // 404 for an unknown node
  const hub = tunnelHubFor(r.registry);
  if (!hub.isConnected(node)) throw notConnected(node);

  const kind = m[2] === 'import' ? StreamRequest_Kind.IMAGE_IMPORT : StreamRequest_Kind.IMAGE_LIST;
  const pushed = hub.pushImage(node, StreamRequest.fromPartial({ kind, imageName: name }));
  const clientGone = () => pushed.cancel();
  r.res.once('close', clientGone);
  const answer = await pushed.answer;
  r.res.off('close', clientGone);
  // The agent refuses a bad name (or a store it cannot use) before any byte is sent.
  const early = answer.first.result;
  const result = early ?? (await (kind === StreamRequest_Kind.IMAGE_IMPORT ? relayArchive(r.req, answer) : resultOf(answer)));
  if (!answer.call.writableEnded) answer.call.end();
  if (result.error) throw streamError(result.error.reason, result.error.message);
  if (kind === StreamRequest_Kind.IMAGE_LIST) {
    sendJson(r.res, 200, { apiVersion: API_VERSION, kind: 'ImageList', node, items: result.images.map(summary) });
    return;
  }
  if (!result.image) throw errors.internal('the agent answered the import without an image');
  sendJson(r.res, 200, { apiVersion: API_VERSION, kind: 'ImageImport', node, format: result.format, image: summary(result.image) });
}

function summary(s: ImageSummary): Record<string, unknown> {
  return { name: s.name, imageId: s.imageId, manifestDigest: s.manifestDigest, size: s.size };
}

const EMPTY = Buffer.alloc(0);

function frame(fields: Partial<ImageFrame>): ImageFrame {
  return { requestId: '', data: EMPTY, dataEnd: false, ...fields };
}

/** Streams the request body to the agent, then waits for its result. */
function relayArchive(req: IncomingMessage, answer: ImageAnswer): Promise<ImageResult> {
  const { call } = answer;
  const result = resultOf(answer);
  let ended = false;
  let answered = false;
  // The agent may answer (e.g. a refused archive) before the body is complete: the rest is dropped.
  result.then(() => (answered = true), () => (answered = true));
  req.on('data', (chunk: Buffer) => {
    if (answered || call.writableEnded) return;
    if (!call.write(frame({ data: chunk }))) {
      req.pause();
      call.once('drain', () => req.resume());
    }
  });
  req.on('end', () => {
    ended = true;
    if (!answered && !call.writableEnded) call.write(frame({ dataEnd: true }));
  });
  // A client that leaves mid-upload: the call ends without data_end, so the agent drops the partial file.
  req.on('close', () => {
    if (!ended && !call.writableEnded) call.end();
  });
  return result;
}

/** The agent's one result frame; a call that ends without one is an unavailable agent. */
function resultOf(answer: ImageAnswer): Promise<ImageResult> {
  const { call } = answer;
  return new Promise<ImageResult>((resolve, reject) => {
    const gone = () => reject(new ApiError('ServiceUnavailable', 'the node agent ended the image request without an answer'));
    call.on('data', (f: ImageFrame) => {
      if (f.result) resolve(f.result);
    });
    call.on('end', gone);
    call.on('error', gone);
    call.on('cancelled', gone);
    call.resume();
  });
}
