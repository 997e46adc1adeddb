// The lean HTTP/2 gRPC client against a real etcd (unary calls, flow control
// both ways, gRPC errors) and against node:http2 servers for what etcd rarely
// does on its own: Huffman-coded and CONTINUATION-split trailers, GOAWAY,
// stream resets, bidirectional streams.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { AddressInfo } from 'node:net';
import { startTestEtcd, TestEtcd } from '../../test/harness/etcd';
import { freePort } from '../../test/harness/ports';
import { decodeRangeResponse, decodeTxnResponse, encodeModRevisionTxn, encodeRange } from './etcd-proto';
import { GrpcConnection, GrpcError } from './grpc-connection';
import { huffmanDecode } from './hpack';

let etcd: TestEtcd;
let conn: GrpcConnection;

before(async () => {
  etcd = await startTestEtcd();
  conn = new GrpcConnection(etcd.endpoint);
});

after(async () => {
  conn?.close();
  await etcd?.destroy();
});

const put = (key: string, value: Buffer) => {
  const k = Buffer.from(key);
  return conn.unary('/etcdserverpb.KV/Txn', encodeModRevisionTxn(k, 0, { put: { key: k, value } }, { range: k }), 5_000).then(decodeTxnResponse);
};
const range = (key: string, rangeEnd?: string, revision?: number) =>
  conn
    .unary('/etcdserverpb.KV/Range', encodeRange({ key: Buffer.from(key), rangeEnd: rangeEnd ? Buffer.from(rangeEnd) : undefined, revision }), 5_000)
    .then(decodeRangeResponse);

test('a value larger than the send windows and frames goes out whole and comes back whole', async () => {
  const big = Buffer.alloc(1_400_000);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  assert.equal((await put('/kap-t/big', big)).succeeded, true);
  const res = await range('/kap-t/big');
  assert.equal(res.kvs.length, 1);
  assert.ok(res.kvs[0].value.equals(big));
});

test('an answer larger than the receive windows arrives whole (window updates are sent)', async () => {
  const value = Buffer.alloc(100_000, 'v');
  // 200 x 100 kB = 20 MB: more than the 8 MiB stream window.
  await Promise.all(Array.from({ length: 200 }, (_, i) => put(`/kap-t/many/${String(i).padStart(3, '0')}`, value)));
  const res = await range('/kap-t/many/', '/kap-t/many0');
  assert.equal(res.kvs.length, 200);
  assert.ok(res.kvs.every((kv) => kv.value.equals(value)));
});

test('many concurrent calls on one connection each get their own answer', async () => {
  const results = await Promise.all(Array.from({ length: 300 }, (_, i) => put(`/kap-t/c/${i}`, Buffer.from(`v${i}`))));
  assert.ok(results.every((r) => r.succeeded));
  const res = await range('/kap-t/c/', '/kap-t/c0');
  assert.deepEqual(new Set(res.kvs.map((kv) => kv.value.toString())), new Set(Array.from({ length: 300 }, (_, i) => `v${i}`)));
});

test('a gRPC error carries etcd status code and message', async () => {
  await assert.rejects(range('/kap-t/x', undefined, 2 ** 40), (err: unknown) => {
    assert.ok(err instanceof GrpcError);
    assert.equal(err.code, 11); // OutOfRange
    assert.match(err.message, /future revision/);
    return true;
  });
});

test('a refused connection fails its calls as never sent', async () => {
  const dead = new GrpcConnection(`http://127.0.0.1:${await freePort()}`);
  await assert.rejects(dead.unary('/etcdserverpb.KV/Range', encodeRange({ key: Buffer.from('/a') }), 2_000), (err: unknown) => {
    assert.ok(err instanceof GrpcError);
    assert.equal(err.notSent, true);
    return true;
  });
  assert.equal(dead.usable, false);
});

/** A node:http2 server on loopback answering every stream with `answer`. */
async function withServer(answer: (stream: http2.ServerHttp2Stream, session: http2.ServerHttp2Session) => void, run: (endpoint: string) => Promise<void>) {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.on('error', () => {}); // resets are what some tests want
    answer(stream, stream.session as http2.ServerHttp2Session);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => sessions.add(s));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    for (const s of sessions) s.destroy();
    await new Promise((r) => server.close(r));
  }
}

const frameOf = (payload: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0, payload.length]), payload]);

test('Huffman-coded and CONTINUATION-split trailers are decoded', async () => {
  // Every printable ASCII character, percent-encoded as gRPC does, repeated past one 16 kB frame.
  const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
  const message = printable.repeat(250);
  await withServer(
    (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '9', 'grpc-message': encodeURIComponent(message) }));
      stream.end(frameOf(Buffer.from('ignored')));
    },
    async (endpoint) => {
      const c = new GrpcConnection(endpoint);
      try {
        for (let i = 0; i < 2; i++) {
          // The second call's headers come from the dynamic table.
          await assert.rejects(c.unary('/x/Y', Buffer.from('q'), 2_000), (err: unknown) => {
            assert.ok(err instanceof GrpcError);
            assert.equal(err.code, 9);
            assert.equal(err.message, message);
            return true;
          });
        }
      } finally {
        c.close();
      }
    },
  );
});

test('RST_STREAM fails its stream; after GOAWAY taken streams finish and new calls fail as never sent', async () => {
  let calls = 0;
  await withServer(
    (stream, session) => {
      calls++;
      if (calls === 1) return stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frameOf(Buffer.from('answer')));
    },
    async (endpoint) => {
      const c = new GrpcConnection(endpoint);
      try {
        await assert.rejects(c.unary('/x/Y', Buffer.from('q'), 2_000), (err: unknown) => err instanceof GrpcError && /stream reset/.test(err.message) && !err.notSent);
        assert.equal((await c.unary('/x/Y', Buffer.from('q'), 2_000)).toString(), 'answer');
        assert.equal(c.usable, false);
        await assert.rejects(c.unary('/x/Y', Buffer.from('q'), 2_000), (err: unknown) => err instanceof GrpcError && err.notSent);
        assert.equal(calls, 2);
      } finally {
        c.close();
      }
    },
  );
});

test('a bidirectional stream carries messages both ways and ends with the status', async () => {
  await withServer(
    (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      let buf = Buffer.alloc(0);
      stream.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
          const msg = buf.subarray(5, 5 + buf.readUInt32BE(1));
          buf = buf.subarray(5 + msg.length);
          stream.write(frameOf(Buffer.from(`echo ${msg}`)));
        }
      });
      stream.on('end', () => stream.end());
    },
    async (endpoint) => {
      const c = new GrpcConnection(endpoint);
      try {
        const got: string[] = [];
        const ended = new Promise<GrpcError | undefined>((resolve) => {
          const s = c.bidi('/x/Watch', { message: (m) => got.push(m.toString()), end: resolve });
          s.write(Buffer.from('one'));
          s.write(Buffer.from('two'));
          setTimeout(() => s.end(), 50);
        });
        assert.equal(await ended, undefined);
        assert.deepEqual(got, ['echo one', 'echo two']);
      } finally {
        c.close();
      }
    },
  );
});

test('Huffman strings with bad padding are refused', () => {
  // '0' is the 5-bit code 00000; padding must be ones.
  assert.equal(huffmanDecode(Buffer.from([0b00000111])), '0');
  assert.throws(() => huffmanDecode(Buffer.from([0b00000011])), /padding|Huffman/);
});
