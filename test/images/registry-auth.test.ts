import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isApiError } from '../../api/errors';
import { parseImageReference } from '../../node-agent/images/image-reference';
import { ImagePullError, ImageService } from '../../node-agent/images/image-service';
import { RegistryClient } from '../../node-agent/images/registry-client';
import { buildTestImage, pushTestImage } from './image-fixtures';
import { registryUnavailable, startRegistry } from './registry-fixture';
import { startTokenServer } from './token-server';

test('Bearer challenges: anonymous tokens pull, credentials push, wrong credentials are Unauthorized', { skip: registryUnavailable() }, async () => {
  const tokens = await startTokenServer({ name: 'kap-pusher', password: 's3cret' });
  const dir = await mkdtemp(join(tmpdir(), 'kap-regauth-'));
  let registry: Awaited<ReturnType<typeof startRegistry>> | undefined;
  try {
    registry = await startRegistry({ tokenAuth: tokens });
    const unauthenticated = await fetch(`${registry.url}/v2/`);
    assert.equal(unauthenticated.status, 401, 'the registry really demands tokens');
    assert.match(unauthenticated.headers.get('www-authenticate') ?? '', /^Bearer realm=/);

    const ref = parseImageReference(`${registry.host}/team/app:1`);
    const image = buildTestImage([[{ path: 'app', type: 'file', content: 'authorized' }]]);
    const wrong = new RegistryClient({ registries: { [registry.host]: { username: 'kap-pusher', password: 'nope' } } });
    await assert.rejects(pushTestImage(wrong, ref, image), (e) => isApiError(e, 'Unauthorized'));
    const anonymousPush = new RegistryClient();
    await assert.rejects(pushTestImage(anonymousPush, ref, image), (e) => isApiError(e, 'Unauthorized'));

    const pusher = new RegistryClient({ registries: { [registry.host]: { username: 'kap-pusher', password: 's3cret' } } });
    await pushTestImage(pusher, ref, image);
    assert.ok(tokens.requests.some((r) => r.scope === 'repository:team/app:pull,push' && r.user === 'kap-pusher'));

    const images = new ImageService({ root: dir, platform: { os: 'linux', architecture: 'amd64' } });
    const pulled = await images.ensureImage(`${registry.host}/team/app:1`, 'Always');
    assert.equal(pulled.imageId, image.configDigest);
    assert.ok(tokens.requests.some((r) => r.scope === 'repository:team/app:pull' && r.user === undefined), 'anonymous pull token');
    await assert.rejects(images.ensureImage(`${registry.host}/team/absent:1`, 'Always'), (e) => e instanceof ImagePullError && e.code !== 'InternalError');
  } finally {
    await registry?.stop();
    await tokens.close();
    await rm(dir, { recursive: true, force: true });
  }
});
