// httpGet against a real server on loopback (the direct path: the "pod IP" is 127.0.0.1).
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { runProbeHandler, type ContainerTarget } from './handler-runner';
import { ShimClient } from '../../runtime/shim-client';

let server: Server;
let port: number;
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];

before(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url!, headers: req.headers });
    const url = req.url!;
    if (url === '/ok') return res.end('fine');
    if (url === '/teapot') return res.writeHead(418).end();
    if (url === '/hop') return res.writeHead(302, { Location: '/ok' }).end();
    if (url === '/loop') return res.writeHead(302, { Location: '/loop' }).end();
    if (url === '/away') return res.writeHead(301, { Location: 'http://10.250.0.77/ok' }).end('moved');
    if (url === '/slow') return; // never answers
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const target = (): ContainerTarget => ({
  podIP: '127.0.0.1', netnsPath: '/nonexistent', shimBinary: '/nonexistent', stateDir: '/nonexistent',
  ports: [{ name: 'web', containerPort: port }],
});
const shim = new ShimClient({ binary: '/nonexistent' });
const get = (path: string, extra: Record<string, unknown> = {}, timeoutMs = 1000) =>
  runProbeHandler(shim, { httpGet: { path, port: 'web', ...extra } }, target(), timeoutMs);

test('2xx is success with the body; the named port resolves; kube-probe headers, overridable', async () => {
  const r = await get('/ok', { httpHeaders: [{ name: 'X-Probe', value: 'yes' }, { name: 'user-agent', value: 'mine' }] });
  assert.deepEqual(r, { kind: 'success', output: 'fine', statusCode: 200 });
  const h = seen.at(-1)!.headers;
  assert.equal(h['x-probe'], 'yes');
  assert.equal(h['user-agent'], 'mine');
  assert.equal(h.host, `127.0.0.1:${port}`);
  await get('/ok');
  assert.match(String(seen.at(-1)!.headers['user-agent']), /^kube-probe\//);
  assert.equal(seen.at(-1)!.headers.accept, '*/*');
});

test('4xx fails with the status code in the message', async () => {
  assert.deepEqual(await get('/teapot'), { kind: 'failure', output: 'HTTP probe failed with statuscode: 418', statusCode: 418 });
});

test('redirects: followed on the same host, capped at 10, not followed elsewhere (success with a warning)', async () => {
  assert.equal((await get('/hop')).kind, 'success');
  assert.deepEqual(seen.slice(-2).map((s) => s.url), ['/hop', '/ok']);
  const loop = await get('/loop');
  assert.equal(loop.kind, 'failure');
  assert.match(loop.output, /stopped after 10 redirects/);
  const before = seen.length;
  const away = await get('/away');
  assert.equal(away.kind, 'warning');
  assert.equal(away.output, 'Probe terminated redirects, Response body: moved');
  assert.equal(seen.length, before + 1, 'the other host was not contacted');
});

test('a server slower than timeoutSeconds fails; a closed port fails; an unknown port name errors', async () => {
  const slow = await get('/slow', {}, 300);
  assert.equal(slow.kind, 'failure');
  assert.match(slow.output, /context deadline exceeded/);
  const closed = await runProbeHandler(shim, { httpGet: { path: '/', port: 1 } }, target(), 1000);
  assert.equal(closed.kind, 'failure');
  assert.match(closed.output, /^Get "http:\/\/127\.0\.0\.1:1\/": dial tcp 127\.0\.0\.1:1: connect: connection refused$/);
  const tcp = await runProbeHandler(shim, { tcpSocket: { port: 'web' } }, target(), 1000);
  assert.deepEqual(tcp, { kind: 'success', output: '' });
  const missing = await runProbeHandler(shim, { tcpSocket: { port: 'nope' } }, target(), 1000);
  assert.equal(missing.kind, 'error');
});
