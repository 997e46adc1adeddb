// Watch stream parsing over a real loopback HTTP response.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { watchEventError, watchStreamOf } from './watch';

async function serve(handler: (res: http.ServerResponse) => void): Promise<{ res: http.IncomingMessage; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => handler(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get({ host: '127.0.0.1', port, agent: false }, resolve).on('error', reject));
  return {
    res,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test('events split across chunks, several per chunk and a last one without newline', async () => {
  const s = await serve((res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"type":"ADDED","object":{"n":1}}\n{"type":"MODI');
    setTimeout(() => {
      res.write('FIED","object":{"n":2}}\n\n');
      res.end('{"type":"DELETED","object":{"n":3}}');
    }, 10);
  });
  try {
    const events = [];
    for await (const ev of watchStreamOf<{ n: number }>(s.res)) events.push(`${ev.type}:${ev.object.n}`);
    assert.deepEqual(events, ['ADDED:1', 'MODIFIED:2', 'DELETED:3']);
  } finally {
    await s.close();
  }
});

test('close() ends iteration; ERROR events decode to ApiError; malformed lines fail the stream', async () => {
  const open = await serve((res) => {
    res.writeHead(200);
    res.write('{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"too old resource version"}}\n');
  });
  try {
    const stream = watchStreamOf(open.res);
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    const err = watchEventError(first.value);
    assert.equal(err.code, 'Expired');
    assert.equal(err.httpStatus, 410);
    setTimeout(() => stream.close(), 10);
    assert.equal((await it.next()).done, true);
  } finally {
    await open.close();
  }

  const broken = await serve((res) => {
    res.writeHead(200);
    res.end('{"type":"ADDED","object":{}}\nnot json\n');
  });
  try {
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const ev of watchStreamOf(broken.res)) seen.push(ev.type);
      })(),
      /malformed watch event/,
    );
    assert.deepEqual(seen, ['ADDED']);
  } finally {
    await broken.close();
  }
});

test('a character split across chunks, CRLF line ends and whitespace-only lines', async () => {
  const first = Buffer.from('{"type":"ADDED","object":{"n":"é✓"}}\r\n');
  const cut = first.indexOf(Buffer.from('✓')) + 1; // inside the three bytes of ✓
  const s = await serve((res) => {
    res.writeHead(200);
    res.write(first.subarray(0, cut));
    setTimeout(() => {
      res.write(first.subarray(cut));
      res.write(' \t\r\n\n\u00a0{"type":"MODIFIED","object":{"n":"x"}}\u00a0\n');
      res.end('  \n');
    }, 10);
  });
  try {
    const events = [];
    for await (const ev of watchStreamOf<{ n: string }>(s.res)) events.push(`${ev.type}:${ev.object.n}`);
    assert.deepEqual(events, ['ADDED:é✓', 'MODIFIED:x']);
  } finally {
    await s.close();
  }
});
