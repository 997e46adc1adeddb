// kctl image import FILE --name NAME:TAG [--node NODE] and kctl image ls [--node NODE]: images without a
// registry, through the apiserver's images.kapstan.io endpoints and each node's agent tunnel. The
// archive is streamed from disk (a directory, an OCI layout, is sent as a tar made by the machine's tar).
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { ApiError } from '../api/errors';
import { findByPlural } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { ResolvedKubeconfig } from '../client/kubeconfig';
import { ConnectionError, errorFromResponse } from '../client/rest-client';
import { str, UsageError } from './flags';
import { tlsOptionsOf } from './logs';
import type { Session } from './session';
import { TableWriter } from './table-writer';

const IMAGES_API = '/apis/images.kapstan.io/v1/nodes';

interface ImageSummary {
  name: string;
  imageId: string;
  manifestDigest: string;
  size: number;
}

export async function runImage(session: Session, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'import') return runImageImport(session, rest);
  if (sub === 'ls' || sub === 'list') {
    if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
    return runImageList(session);
  }
  throw new UsageError(sub ? `unknown image command "${sub}": use import or ls` : 'expected a subcommand: kctl image import FILE --name NAME:TAG | kctl image ls');
}

async function runImageImport(session: Session, args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError('expected one archive: kctl image import FILE --name NAME:TAG [--node NODE]');
  const name = str(session.flags, 'name');
  if (!name) throw new UsageError('--name NAME:TAG is required');
  const file = args[0];
  const isDir = (await stat(file).catch(() => undefined))?.isDirectory();
  if (isDir === undefined) throw new UsageError(`${file}: no such file or directory`);
  const nodes = await targetNodes(session);
  let failed = 0;
  for (const node of nodes) {
    try {
      const answer = await upload(session.config, node, name, () => archiveStream(file, isDir), session.io.signal);
      const image = answer.image as ImageSummary;
      session.io.out(`node/${node}: imported ${image.name} (${image.imageId}) from a ${String(answer.format)} archive\n`);
    } catch (err) {
      // One node's failure must not hide what happened on the others.
      if (nodes.length === 1) throw err;
      failed++;
      session.io.err(`node/${node}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed ? 1 : 0;
}

async function runImageList(session: Session): Promise<number> {
  const rows: string[][] = [['NODE', 'IMAGE', 'IMAGE ID', 'SIZE']];
  for (const node of await targetNodes(session)) {
    const list = await requestJson(session.config, 'GET', `${IMAGES_API}/${encodeURIComponent(node)}/images`, undefined, session.io.signal);
    for (const i of (list.items ?? []) as ImageSummary[]) rows.push([node, i.name, i.imageId.replace(/^sha256:/, '').slice(0, 12), humanSize(i.size)]);
  }
  session.io.out(new TableWriter().format(rows));
  return 0;
}

/** --node, else every Ready node (one in single-node mode). */
async function targetNodes(session: Session): Promise<string[]> {
  const node = str(session.flags, 'node');
  if (node) return [node];
  const nodes = await session.client.list<KubeObject>(findByPlural('', 'v1', 'nodes')!, undefined);
  const ready = nodes.items.filter((n) => ((n.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [])
    .some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata.name!);
  if (!ready.length) throw new ApiError('ServiceUnavailable', 'no Ready node to import the image into (name one with --node)');
  return ready;
}

function archiveStream(file: string, isDir: boolean): Readable {
  if (!isDir) return createReadStream(file);
  const tar = spawn('tar', ['-C', file, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  tar.on('error', (err) => tar.stdout.destroy(err));
  tar.on('close', (code) => {
    if (code) tar.stdout.destroy(new Error(`tar of ${file} failed with exit code ${code}`));
  });
  return tar.stdout;
}

function upload(config: ResolvedKubeconfig, node: string, name: string, body: () => Readable, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const path = `${IMAGES_API}/${encodeURIComponent(node)}/import?name=${encodeURIComponent(name)}`;
  return requestJson(config, 'POST', path, body, signal);
}

/** One request (a POST body streamed from body()); a non-200 answer becomes its ApiError. */
function requestJson(config: ResolvedKubeconfig, method: string, path: string, body: (() => Readable) | undefined, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const url = new URL(config.server.replace(/\/+$/, '') + path);
  const transport = url.protocol === 'https:' ? https : http;
  const opts = tlsOptionsOf(config);
  if (body) opts.headers['Content-Type'] = 'application/octet-stream';
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = transport.request(url, { ...opts, method, signal }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(errorFromResponse(res.statusCode ?? 0, text));
        try {
          resolve(JSON.parse(text) as Record<string, unknown>);
        } catch {
          reject(new Error(`the server answered with something that is not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    // The server may refuse (and close) before the whole archive is sent: its answer is what counts.
    req.on('error', (err) => {
      if (!answered) reject(signal?.aborted ? new ApiError('Timeout', 'aborted') : new ConnectionError(config.server, err));
    });
    if (!body) return void req.end();
    const source = body();
    source.on('error', (err) => {
      req.destroy(err);
      reject(err);
    });
    source.pipe(req);
  });
}

function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let n = Number(bytes);
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return `${u ? n.toFixed(1) : n}${units[u]}`;
}
