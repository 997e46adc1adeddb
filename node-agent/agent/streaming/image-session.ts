// Serves `kctl image import` and `kctl image ls` on the agent's ImageSession call: the archive arrives
// in order as data frames and is spooled to a file on the data dir's disk (never held in memory),
// then imported into the node's image store; one result frame answers.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { ApiError } from '../../../api/errors';
import type { ImageFrame, ImageResult, ImageSummary, StreamError } from '../../../proto/generated/node';

/** An image as the store keeps it. */
export interface StoredImage {
  name: string;
  manifestDigest: string;
  /** The imageID pods report. */
  configDigest: string;
  size: number;
}

/** What image requests need from the image store (node-agent/images' ImageService has this shape). */
export interface ImageImporter {
  /** The normalized reference for name; throws ApiError Invalid for a bad one. */
  normalizeName(name: string): string;
  importImage(file: string, name: string): Promise<StoredImage & { format?: string }>;
  listImages(): Promise<StoredImage[]>;
}

export function isImageImporter(x: unknown): x is ImageImporter {
  const o = x as Partial<ImageImporter> | null;
  return typeof o?.importImage === 'function' && typeof o.listImages === 'function' && typeof o.normalizeName === 'function';
}

const EMPTY = Buffer.alloc(0);

function frame(fields: Partial<ImageFrame>): ImageFrame {
  return { requestId: '', data: EMPTY, dataEnd: false, ...fields };
}

function summary(i: StoredImage): ImageSummary {
  return { name: i.name, imageId: i.configDigest, manifestDigest: i.manifestDigest, size: i.size };
}

/**
 * An archive that cannot be read is the client's fault (400, naming what is wrong); a failure of the
 * node's own disk is not. ApiError Invalid (the import's "archive lacks blob …") is also a bad body.
 */
export function importFailure(err: unknown): StreamError {
  if (err instanceof ApiError) {
    const reason = err.code === 'Invalid' || err.code === 'Forbidden' ? 'BadRequest' : err.code;
    return { reason, message: `image archive refused: ${err.message}` };
  }
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code) && e.syscall) {
    return { reason: 'InternalError', message: `the node could not store the image: ${e.message}` };
  }
  return { reason: 'BadRequest', message: `image archive refused: not a readable OCI layout, docker save or rootfs tar: ${(e as Error)?.message ?? String(err)}` };
}

/** Answers one IMAGE_LIST request on an opened call. */
export async function serveImageList(call: ClientDuplexStream<ImageFrame, ImageFrame>, requestId: string, images: ImageImporter | undefined): Promise<void> {
  let result: ImageResult;
  if (!images) result = unsupported();
  else {
    try {
      result = { format: '', images: (await images.listImages()).map(summary) };
    } catch (err) {
      result = { format: '', images: [], error: { reason: 'InternalError', message: (err as Error).message } };
    }
  }
  call.write(frame({ requestId, result }));
  call.end();
}

function unsupported(): ImageResult {
  return { format: '', images: [], error: { reason: 'MethodNotAllowed', message: 'this node agent has no image store that takes imports' } };
}

/** Answers one IMAGE_IMPORT request: spools the archive to importDir, imports it, removes the file. */
export async function serveImageImport(
  call: ClientDuplexStream<ImageFrame, ImageFrame>,
  requestId: string,
  name: string,
  images: ImageImporter | undefined,
  importDir: string,
): Promise<void> {
  const answer = (result: ImageResult, first = false) => {
    call.write(frame({ requestId: first ? requestId : '', result }));
    call.end();
  };
  if (!images) return answer(unsupported(), true);
  try {
    images.normalizeName(name);
  } catch (err) {
    return answer({ format: '', images: [], error: { reason: 'BadRequest', message: (err as Error).message } }, true);
  }
  await mkdir(importDir, { recursive: true });
  const file = join(importDir, `kap-import-${randomUUID()}`);
  try {
    call.write(frame({ requestId }));
    let result: ImageResult;
    try {
      await spool(call, file);
      const stored = await images.importImage(file, name);
      result = { format: stored.format ?? '', image: summary(stored), images: [] };
    } catch (err) {
      result = { format: '', images: [], error: importFailure(err) };
    }
    answer(result);
  } finally {
    await rm(file, { force: true });
  }
}

/** Writes the data frames to file until data_end; rejects when the call ends or breaks before it. */
function spool(call: ClientDuplexStream<ImageFrame, ImageFrame>, file: string): Promise<void> {
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  return new Promise<void>((resolve, reject) => {
    let complete = false;
    const fail = (err: Error) => {
      if (complete) return;
      complete = true;
      call.off('data', onData);
      out.destroy();
      reject(err);
    };
    const onData = (f: ImageFrame) => {
      if (f.data.length && !out.write(f.data)) {
        // Back-pressure: the server stops sending while the disk catches up.
        call.pause();
        out.once('drain', () => call.resume());
      }
      if (f.dataEnd) {
        complete = true;
        call.off('data', onData);
        out.end(() => resolve());
      }
    };
    call.on('data', onData);
    out.on('error', fail);
    call.on('error', fail);
    call.on('end', () => fail(new Error('the apiserver ended the image upload before its end')));
  });
}
