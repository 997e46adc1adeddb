// The SPDY/3 server session against a client written here from the spec: zlib header blocks with the
// SPDY/3 dictionary and a sync flush each (as Go's framer writes them), frames split across chunks.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import { constants as zc, createDeflate, inflateSync, type Deflate } from 'node:zlib';
import { SPDY3_HEADER_DICTIONARY } from './spdy-dictionary';
import { SpdyServerSession, type SpdyStream } from './spdy-server-session';

/** An in-memory transport: `send` is what the client writes, `received` what the server wrote. */
function pair() {
  const written: Buffer[] = [];
  const transport = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      callback();
    },
  });
  return { transport, toServer: { write: (b: Buffer) => transport.push(b) }, received: () => Buffer.concat(written) };
}

class TestClient {
  private readonly deflate: Deflate = createDeflate({ dictionary: SPDY3_HEADER_DICTIONARY });

  async headerBlock(headers: Record<string, string>): Promise<Buffer> {
    const parts: Buffer[] = [u32(Object.keys(headers).length)];
    for (const [k, v] of Object.entries(headers)) parts.push(u32(k.length), Buffer.from(k), u32(v.length), Buffer.from(v));
    const out: Buffer[] = [];
    const collect = (d: Buffer) => out.push(d);
    this.deflate.on('data', collect);
    this.deflate.write(Buffer.concat(parts));
    await new Promise<void>((resolve) => this.deflate.flush(zc.Z_SYNC_FLUSH, () => resolve()));
    this.deflate.off('data', collect);
    return Buffer.concat(out);
  }

  async synStream(id: number, headers: Record<string, string>, fin = false): Promise<Buffer> {
    const block = await this.headerBlock(headers);
    return control(1, fin ? 1 : 0, Buffer.concat([u32(id, 0), Buffer.from([0, 0]), block]));
  }
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

function control(type: number, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE((flags << 24) | body.length, 4);
  return Buffer.concat([head, body]);
}

function data(id: number, payload: Buffer, fin = false): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(id, 0);
  head.writeUInt32BE(((fin ? 1 : 0) << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

interface Frame { control: boolean; type: number; flags: number; body: Buffer; streamId: number }

function frames(buf: Buffer): Frame[] {
  const out: Frame[] = [];
  for (let off = 0; off + 8 <= buf.length;) {
    const len = buf.readUInt32BE(off + 4) & 0xffffff;
    const isControl = (buf[off] & 0x80) !== 0;
    const body = buf.subarray(off + 8, off + 8 + len);
    out.push({
      control: isControl,
      type: isControl ? buf.readUInt16BE(off + 2) : 0,
      flags: buf[off + 4],
      body,
      streamId: isControl ? (len >= 4 ? body.readUInt32BE(0) & 0x7fffffff : 0) : buf.readUInt32BE(off) & 0x7fffffff,
    });
    off += 8 + len;
  }
  return out;
}

/** Frames are handled asynchronously (header inflation): poll until the condition holds. */
async function until(what: string, cond: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !cond();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('the header dictionary is the 1423 bytes of SPDY/3', () => {
  assert.equal(SPDY3_HEADER_DICTIONARY.length, 1423);
  assert.equal(createHash('sha256').update(SPDY3_HEADER_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
});

test('streams: headers decoded, replies that inflate with the dictionary, DATA both ways with FIN, PING echoed, RST', async () => {
  const { transport, toServer, received } = pair();
  const session = new SpdyServerSession(transport);
  const streams: SpdyStream[] = [];
  const got = new Map<number, string>();
  const ended = new Set<number>();
  const reset = new Set<number>();
  session.on('stream', (s) => {
    streams.push(s);
    s.on('data', (d: Buffer) => got.set(s.id, (got.get(s.id) ?? '') + d.toString()));
    s.on('end', () => ended.add(s.id));
    s.on('reset', () => reset.add(s.id));
  });
  const client = new TestClient();
  const wire = Buffer.concat([
    await client.synStream(1, { streamtype: 'error', port: '80', requestid: '0' }),
    data(1, Buffer.alloc(0), true),
    await client.synStream(3, { streamtype: 'data', port: '80', requestid: '0' }),
    data(3, Buffer.from('GET / HTTP/1.0\r\n\r\n')),
    control(6, 0, u32(1)), // the client's ping (odd id)
    control(6, 0, u32(2)), // an even id would be the server's own: not echoed
  ]);
  // Byte by byte: frames must be reassembled across chunks.
  for (const b of wire) toServer.write(Buffer.from([b]));
  await until('both streams and the request', () => streams.length === 2 && got.get(3)?.length === 18 && frames(received()).some((f) => f.type === 6));

  assert.deepEqual(streams.map((s) => [s.id, s.headers.get('streamtype'), s.headers.get('port'), s.headers.get('requestid')]), [[1, 'error', '80', '0'], [3, 'data', '80', '0']]);
  assert.equal(got.get(3), 'GET / HTTP/1.0\r\n\r\n');
  assert.deepEqual([...ended], [1]);

  streams[1].write(Buffer.from('HTTP/1.0 200 OK\r\n\r\nhello'));
  streams[1].end();
  streams[0].end();
  toServer.write(control(3, 0, u32(5, 5))); // RST of an unknown stream is ignored
  toServer.write(await client.synStream(5, { streamtype: 'data', port: '81', requestid: '1' }));
  await until('stream 5', () => streams.length === 3);
  toServer.write(control(3, 0, u32(5, 5)));
  await until('reset of stream 5', () => reset.size === 1);
  assert.deepEqual([...reset], [5]);

  const out = frames(received());
  const replies = out.filter((f) => f.control && f.type === 2);
  assert.deepEqual(replies.map((f) => f.streamId), [1, 3, 5]);
  // Our header blocks form one zlib stream that a standard inflater reads with the dictionary.
  const blocks = Buffer.concat(replies.map((f) => f.body.subarray(4)));
  const headers = inflateSync(blocks, { dictionary: SPDY3_HEADER_DICTIONARY, finishFlush: zc.Z_SYNC_FLUSH });
  assert.deepEqual(headers, Buffer.concat([u32(0), u32(0), u32(0)]));
  const pings = out.filter((f) => f.control && f.type === 6);
  assert.deepEqual(pings.map((f) => f.body.readUInt32BE(0)), [1]);
  const dataFrames = out.filter((f) => !f.control);
  assert.deepEqual(dataFrames.map((f) => [f.streamId, f.body.toString(), f.flags]), [[3, 'HTTP/1.0 200 OK\r\n\r\nhello', 0], [3, '', 1], [1, '', 1]]);

  session.close();
  const goAway = frames(received()).find((f) => f.control && f.type === 7);
  assert.ok(goAway, 'GOAWAY on close');
});

test('a frame with another SPDY version ends the session', async () => {
  const { transport, toServer } = pair();
  const session = new SpdyServerSession(transport);
  let closed = false;
  session.on('close', () => (closed = true));
  const bad = control(6, 0, u32(1));
  bad.writeUInt16BE(0x8002, 0);
  toServer.write(bad);
  await until('the session to close', () => closed);
});
