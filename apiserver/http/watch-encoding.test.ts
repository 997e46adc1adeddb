// The shared watch frames against what Node's own chunked encoding sends: a real
// node:http server on loopback, raw bytes read off the socket.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { KubeObject } from '../../api/types';
import { encodeObject, storedJson } from '../registry/codec';
import type { ServedObject } from '../registry/store';
import { eventFrame, frameOf, writeFrame } from './watch-encoding';

/** An event's object as the watch cache hands it out, counting how often its JSON is built. */
function watched(object: KubeObject): ServedObject & { jsonBuilds: number } {
  const stored = encodeObject(object);
  const revision = Number(object.metadata.resourceVersion);
  let json: Buffer | undefined;
  const w = {
    object,
    revision,
    jsonBuilds: 0,
    json: () => {
      if (json) return json;
      w.jsonBuilds++;
      return (json = storedJson(stored, revision));
    },
  };
  return w;
}

const LINES = ['{"type":"ADDED","object":{"kind":"ConfigMap","data":{"k":"é ü 日本"}}}\n', `{"type":"MODIFIED","object":{"x":"${'a'.repeat(5000)}"}}\n`];

/** Serves each request with `send`, after `delayMs` of the query (the first response of a pipeline can lag). */
async function withServer(send: (res: http.ServerResponse) => void, fn: (port: number) => Promise<void>): Promise<void> {
  const server = http.createServer((req, res) => {
    const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delayMs') ?? 0);
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      send(res);
      setTimeout(() => res.end(), 20);
    }, delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Everything the server sends for `requests`, written at once on one connection, until it closes. */
function rawExchange(port: number, requests: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.write(requests));
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

const withoutDates = (raw: string) => raw.replace(/^Date: .*\r\n/gm, '');

async function bothWays(requests: string): Promise<{ framed: string; reference: string }> {
  let framed = '';
  let reference = '';
  await withServer(
    (res) => LINES.forEach((l) => writeFrame(res, frameOf(l))),
    async (port) => void (framed = await rawExchange(port, requests)),
  );
  await withServer(
    (res) => LINES.forEach((l) => res.write(l)),
    async (port) => void (reference = await rawExchange(port, requests)),
  );
  return { framed: withoutDates(framed), reference: withoutDates(reference) };
}

test('a frame is one HTTP chunk of the line, byte for byte what res.write sends (HTTP/1.1)', async () => {
  const { framed, reference } = await bothWays('GET /w HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const body = framed.slice(framed.indexOf('\r\n\r\n') + 4);
  assert.equal(body, LINES.map((l) => `${Buffer.byteLength(l).toString(16)}\r\n${l}\r\n`).join('') + '0\r\n\r\n');
  assert.equal(framed, reference);
});

test('an HTTP/1.0 client and a pipelined response still waiting for its socket get what res.write sends', async () => {
  const old = await bothWays('GET /w HTTP/1.0\r\n\r\n');
  assert.ok(old.framed.includes(LINES[1]));
  assert.equal(old.framed, old.reference);
  // The second response is written while the first (delayed) one still holds the connection.
  const pipelined = await bothWays('GET /w?delayMs=100 HTTP/1.1\r\nHost: x\r\n\r\nGET /w HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(pipelined.framed.split('HTTP/1.1 200 OK').length, 3);
  assert.equal(pipelined.framed, pipelined.reference);
});

test('an object is encoded once per event type and encoding, shared by every watcher', () => {
  const plain: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns', resourceVersion: '7' } };
  const obj = watched(plain);
  const added = eventFrame('ADDED', obj, false);
  assert.equal(eventFrame('ADDED', obj, false), added);
  const line = added.chunk.subarray(added.lineStart, added.chunk.length - 2).toString();
  assert.equal(line, `{"type":"ADDED","object":${storedJson(encodeObject(plain), 7)}}\n`);
  assert.deepEqual(JSON.parse(line), { type: 'ADDED', object: plain });
  const deleted = eventFrame('DELETED', obj, false);
  assert.notEqual(deleted, added);
  assert.match(deleted.chunk.toString(), /^[0-9a-f]+\r\n\{"type":"DELETED","object":\{"apiVersion":"v1"/);
  assert.equal(obj.jsonBuilds, 1);
  const table = eventFrame('ADDED', obj, true);
  assert.equal(eventFrame('ADDED', obj, true), table);
  const tableLine = JSON.parse(table.chunk.subarray(table.lineStart).toString());
  assert.equal(tableLine.type, 'ADDED');
  assert.equal(tableLine.object.kind, 'Table');
  assert.equal(tableLine.object.rows[0].cells[0], 'a');
});

test('an object entering or leaving a selector: its other event types reuse its JSON bytes', () => {
  const obj = watched({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ü', namespace: 'ns', resourceVersion: '8' }, data: { k: '日本' } });
  for (const asTable of [false, true]) {
    const modified = eventFrame('MODIFIED', obj, asTable);
    const lineOf = (f: ReturnType<typeof eventFrame>) => f.chunk.subarray(f.lineStart, f.chunk.length - 2).toString();
    for (const type of ['ADDED', 'DELETED']) {
      const f = eventFrame(type, obj, asTable);
      assert.equal(lineOf(f), lineOf(modified).replace('"MODIFIED"', `"${type}"`));
      assert.equal(f.chunk.toString('latin1', 0, f.lineStart), `${(f.chunk.length - f.lineStart - 2).toString(16)}\r\n`);
      assert.equal(f.chunk.toString('latin1', f.chunk.length - 2), '\r\n');
    }
    assert.equal(JSON.parse(lineOf(eventFrame('DELETED', obj, asTable))).object.kind, asTable ? 'Table' : 'ConfigMap');
  }
});
