// A client of the OCI distribution API: resolves a reference to a platform's manifest (through an image
// index or Docker manifest list), and downloads config and layer blobs into the content store, verifying
// every digest. Endpoints come from registry-hosts (mirrors first); auth from registry-auth.
import { ApiError, isApiError } from '../../api/errors';
import { ContentStore } from './content-store';
import { sha256Digest } from './digest';
import { ImageReference, formatImageReference } from './image-reference';
import {
  Descriptor, ImageConfigFile, ImageIndex, ImageManifest, INDEX_TYPES, MANIFEST_TYPES, MEDIA, Platform,
  hostPlatform, isIndex, selectPlatform,
} from './oci-types';
import { RegistryAuth } from './registry-auth';
import { RegistryConfig, RegistryEndpoint, registryEndpoints } from './registry-hosts';

const ACCEPT = [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ');
/** containerd's limit too: a manifest is metadata, never megabytes. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface ResolvedManifest {
  endpoint: RegistryEndpoint;
  digest: string;
  manifest: ImageManifest;
  raw: Buffer;
  mediaType: string;
}

export interface PulledImage {
  manifestDigest: string;
  manifest: ImageManifest;
  configDigest: string;
  config: ImageConfigFile;
  /** Every blob now in the content store: manifests (index included), config and layers. */
  size: number;
}

export interface RegistryClientOptions {
  registries?: RegistryConfig;
  platform?: Platform;
}

export class RegistryClient {
  private readonly auth = new RegistryAuth();
  private readonly registries: RegistryConfig;
  readonly platform: Platform;

  constructor(opts: RegistryClientOptions = {}) {
    this.registries = opts.registries ?? {};
    this.platform = opts.platform ?? hostPlatform();
  }

  /** One request with auth: on a 401 it answers the challenge once and retries. */
  private async request(ep: RegistryEndpoint, repo: string, path: string, init: RequestInit & { push?: boolean } = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${ep.url}/v2/${repo}/${path}`;
    const origin = new URL(url).origin;
    const scope = `repository:${repo}:${init.push ? 'pull,push' : 'pull'}`;
    const send = (authorization?: string) => {
      const headers = new Headers(init.headers);
      if (authorization) headers.set('authorization', authorization);
      return fetch(url, { ...init, headers, redirect: 'follow' });
    };
    let res = await send(this.auth.headerFor(origin, scope));
    if (res.status === 401) {
      const challenge = res.headers.get('www-authenticate');
      await res.body?.cancel();
      const authorization = challenge ? await this.auth.answer(origin, challenge, scope, ep) : undefined;
      if (!authorization) throw new ApiError('Unauthorized', `${url}: authentication required`);
      res = await send(authorization);
    }
    return res;
  }

  private async failure(res: Response, what: string): Promise<ApiError> {
    const text = await res.text().catch(() => '');
    const detail = text.slice(0, 200).replace(/\s+/g, ' ');
    if (res.status === 404) return new ApiError('NotFound', `${what}: not found ${detail}`.trim());
    if (res.status === 401 || res.status === 403) return new ApiError('Unauthorized', `${what}: ${res.status} ${detail}`);
    if (res.status === 429) return new ApiError('TooManyRequests', `${what}: rate limited`);
    return new ApiError('ServiceUnavailable', `${what}: HTTP ${res.status} ${detail}`);
  }

  private async getManifest(ep: RegistryEndpoint, repo: string, reference: string): Promise<{ raw: Buffer; digest: string; contentType: string }> {
    const res = await this.request(ep, repo, `manifests/${reference}`, { headers: { accept: ACCEPT } });
    if (!res.ok) throw await this.failure(res, `manifest ${repo}:${reference} from ${ep.url}`);
    if (Number(res.headers.get('content-length') ?? 0) > MAX_MANIFEST_BYTES) {
      await res.body?.cancel();
      throw new ApiError('Invalid', `manifest ${repo}:${reference} from ${ep.url} is larger than ${MAX_MANIFEST_BYTES} bytes`);
    }
    const raw = Buffer.from(await res.arrayBuffer());
    if (raw.length > MAX_MANIFEST_BYTES) throw new ApiError('Invalid', `manifest ${repo}:${reference} from ${ep.url} is larger than ${MAX_MANIFEST_BYTES} bytes`);
    const digest = sha256Digest(raw);
    const claimed = reference.startsWith('sha256:') ? reference : res.headers.get('docker-content-digest');
    if (claimed && claimed !== digest) {
      throw new ApiError('Invalid', `manifest ${repo}:${reference} from ${ep.url} has digest ${digest}, expected ${claimed}`);
    }
    return { raw, digest, contentType: (res.headers.get('content-type') ?? '').split(';')[0] };
  }

  /**
   * Resolves ref to the manifest for our platform on the first endpoint that has it (mirrors first).
   * Index documents met on the way are stored in the content store when one is given.
   */
  async resolve(ref: ImageReference, content?: ContentStore): Promise<ResolvedManifest> {
    const errors: string[] = [];
    let lastError: ApiError | undefined;
    for (const ep of registryEndpoints(ref.registry, this.registries)) {
      try {
        let doc = await this.getManifest(ep, ref.repository, ref.digest ?? ref.tag ?? 'latest');
        let parsed = JSON.parse(doc.raw.toString('utf8')) as ImageManifest | ImageIndex;
        if (isIndex(parsed, doc.contentType)) {
          if (content) await content.writeBlob(doc.raw, { digest: doc.digest });
          const chosen = selectPlatform(parsed as ImageIndex, this.platform);
          doc = await this.getManifest(ep, ref.repository, chosen.digest);
          parsed = JSON.parse(doc.raw.toString('utf8')) as ImageManifest;
          if (isIndex(parsed, doc.contentType)) throw new ApiError('Invalid', 'nested image indexes are not supported');
        }
        const manifest = parsed as ImageManifest;
        if (!manifest.config || !Array.isArray(manifest.layers)) throw new ApiError('Invalid', `${doc.digest} is not an image manifest`);
        return { endpoint: ep, digest: doc.digest, manifest, raw: doc.raw, mediaType: manifest.mediaType ?? (doc.contentType || MEDIA.ociManifest) };
      } catch (err) {
        // A mirror that fails or lacks the image is skipped, as containerd does; the last endpoint's error wins.
        lastError = isApiError(err) ? err : new ApiError('ServiceUnavailable', `${ep.url}: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`);
        errors.push(`${ep.url}: ${lastError.message}`);
      }
    }
    throw new ApiError(lastError?.code ?? 'ServiceUnavailable', `pull ${formatImageReference(ref)}: ${errors.join('; ')}`);
  }

  /** Downloads a blob into the content store unless it is there; its digest and size are verified. */
  async fetchBlob(ep: RegistryEndpoint, repo: string, desc: Descriptor, content: ContentStore): Promise<void> {
    if (await content.has(desc.digest)) return;
    const res = await this.request(ep, repo, `blobs/${desc.digest}`);
    if (!res.ok || !res.body) throw await this.failure(res, `blob ${desc.digest} from ${ep.url}`);
    async function* chunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Buffer> {
      for await (const c of body as unknown as AsyncIterable<Uint8Array>) yield Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    }
    await content.writeStream(chunks(res.body), { digest: desc.digest, size: desc.size });
  }

  /** Resolves and downloads a whole image (manifest, config, layers) into the content store. */
  async pull(ref: ImageReference, content: ContentStore): Promise<PulledImage> {
    const resolved = await this.resolve(ref, content);
    const { endpoint, manifest } = resolved;
    await content.writeBlob(resolved.raw, { digest: resolved.digest });
    // Blobs come from the endpoint that served the manifest; if it lacks one (a partial mirror), from the others.
    const others = registryEndpoints(ref.registry, this.registries).filter((e) => e.url !== endpoint.url);
    for (const desc of [manifest.config, ...manifest.layers]) {
      let lastError: unknown;
      for (const ep of [endpoint, ...others]) {
        try {
          await this.fetchBlob(ep, ref.repository, desc, content);
          lastError = undefined;
          break;
        } catch (err) {
          lastError = err;
          // A blob that arrived but did not match its digest is not retried elsewhere: that is an attack or a bug.
          if (isApiError(err, 'Invalid')) break;
        }
      }
      if (lastError) throw lastError;
    }
    const config = await content.readJson<ImageConfigFile>(manifest.config.digest);
    const size = resolved.raw.length + manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0);
    return { manifestDigest: resolved.digest, manifest, configDigest: manifest.config.digest, config, size };
  }

  /** Uploads a blob (monolithic POST then PUT) unless the registry already has it. */
  async pushBlob(ref: ImageReference, data: Buffer, digest = sha256Digest(data)): Promise<void> {
    const ep = registryEndpoints(ref.registry, this.registries).at(-1)!;
    const head = await this.request(ep, ref.repository, `blobs/${digest}`, { method: 'HEAD', push: true });
    if (head.ok) return;
    const start = await this.request(ep, ref.repository, 'blobs/uploads/', { method: 'POST', push: true });
    if (start.status !== 202) throw await this.failure(start, `start upload to ${ep.url}`);
    await start.body?.cancel();
    const location = new URL(start.headers.get('location') ?? '', `${ep.url}/`);
    location.searchParams.set('digest', digest);
    const put = await this.request(ep, ref.repository, location.toString(), {
      method: 'PUT', push: true, body: data, headers: { 'content-type': 'application/octet-stream' },
    });
    if (put.status !== 201) throw await this.failure(put, `upload ${digest} to ${ep.url}`);
    await put.body?.cancel();
  }

  /** Puts a manifest (or index) under a tag, or under its digest when ref has no tag. */
  async pushManifest(ref: ImageReference, raw: Buffer, mediaType: string): Promise<string> {
    const ep = registryEndpoints(ref.registry, this.registries).at(-1)!;
    const digest = sha256Digest(raw);
    const res = await this.request(ep, ref.repository, `manifests/${ref.tag ?? digest}`, {
      method: 'PUT', push: true, body: raw, headers: { 'content-type': mediaType },
    });
    if (res.status !== 201) throw await this.failure(res, `push manifest ${formatImageReference(ref)} to ${ep.url}`);
    await res.body?.cancel();
    return digest;
  }
}
