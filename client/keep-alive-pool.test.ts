// The keep-alive pool against node:http servers on loopback: bodies by
// Content-Length, chunked and until close; reuse of idle sockets; a kept-alive
// socket the server closed is retried once; repeated Warning headers; refused
// connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { freePort } from '../test/harness/ports';
import { KeepAlivePool, PoolConnectionError } from './keep-alive-pool';

async function withServer(handler: http.RequestListener, run: (pool: KeepAlivePool, server: http.Server) => Promise<void>): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const pool = new KeepAlivePool({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, secure: false });
  try {
    await run(pool, server);
  } finally {
    pool.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

test('bodies by Content-Length, chunked and until close arrive whole; sockets are reused', async () => {
  const sockets = new Set<unknown>();
  await withServer(
    (req, res) => {
      sockets.add(req.socket);
      const body: Buffer[] = [];
      req.on('data', (c) => body.push(c));
      req.on('end', () => {
        const echo = `${req.method} ${req.url} ${Buffer.concat(body).toString()}`;
        if (req.url === '/chunked') {
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.write(echo.slice(0, 5));
          setTimeout(() => res.end(echo.slice(5) + 'x'.repeat(100_000)), 10);
        } else if (req.url === '/close') {
          res.writeHead(200, { Connection: 'close' });
          res.end('until close');
        } else {
          res.writeHead(201, { 'Content-Length': Buffer.byteLength(echo) });
          res.end(echo);
        }
      });
    },
    async (pool) => {
      const a = await pool.request({ method: 'POST', path: '/a?b=c', headers: { 'Content-Type': 'text/plain' }, body: Buffer.from('hello') });
      assert.equal(a.status, 201);
      assert.equal(a.body.toString(), 'POST /a?b=c hello');
      const b = await pool.request({ method: 'GET', path: '/b', headers: {} });
      assert.equal(b.body.toString(), 'GET /b ');
      assert.equal(sockets.size, 1, 'the second request reuses the idle socket');
      const c = await pool.request({ method: 'PUT', path: '/chunked', headers: {}, body: Buffer.from('z') });
      assert.equal(c.body.toString(), 'PUT /chunked z' + 'x'.repeat(100_000));
      const d = await pool.request({ method: 'GET', path: '/close', headers: {} });
      assert.equal(d.body.toString(), 'until close');
      const many = await Promise.all(Array.from({ length: 50 }, (_, i) => pool.request({ method: 'GET', path: `/m${i}`, headers: {} })));
      assert.deepEqual(many.map((r) => r.body.toString()), Array.from({ length: 50 }, (_, i) => `GET /m${i} `));
    },
  );
});

test('a kept-alive socket the server closed is not used again; Warning headers stay apart', async () => {
  let served = 0;
  await withServer(
    (_req, res) => {
      served++;
      res.setHeader('Warning', ['299 - "one"', '299 - "two"']);
      res.end('ok');
    },
    async (pool, server) => {
      const first = await pool.request({ method: 'GET', path: '/', headers: {} });
      assert.deepEqual(first.headers.warning, ['299 - "one"', '299 - "two"']);
      // The server drops its idle keep-alive connections (as after its keepAliveTimeout).
      server.closeIdleConnections();
      await new Promise((r) => setTimeout(r, 50));
      const second = await pool.request({ method: 'POST', path: '/', headers: {}, body: Buffer.from('x') });
      assert.equal(second.body.toString(), 'ok');
      assert.equal(served, 2);
    },
  );
});

test('a refused connection is a PoolConnectionError', async () => {
  const pool = new KeepAlivePool({ host: '127.0.0.1', port: await freePort(), secure: false });
  try {
    await assert.rejects(pool.request({ method: 'GET', path: '/', headers: {} }), PoolConnectionError);
  } finally {
    pool.close();
  }
});
