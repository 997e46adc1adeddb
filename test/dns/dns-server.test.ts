// The cluster DNS server over real loopback sockets, queried by node's own
// resolver (c-ares) the way a pod's libc would query it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server as TcpServer } from 'node:net';
import { Resolver } from 'node:dns/promises';
import * as dnsPacket from 'dns-packet';
import { ClusterDnsRecords } from '../../node-agent/dns/records';
import { startDnsServer, type DnsServer } from '../../node-agent/dns/dns-server';
import { endpoints, manyIps, services } from './cluster-fixture';

const records = new ClusterDnsRecords(services, endpoints);

function resolverFor(server: DnsServer): Resolver {
  // One try with a bounded timeout: a hang shows up as ETIMEOUT, not as a stuck test.
  const resolver = new Resolver({ timeout: 5000, tries: 1 });
  resolver.setServers([`127.0.0.1:${server.port}`]);
  return resolver;
}

async function withServer(opts: { upstream?: string[]; upstreamTimeoutMs?: number }, body: (resolver: Resolver, server: DnsServer) => Promise<void>) {
  const server = await startDnsServer({ host: '127.0.0.1', port: 0, records, ...opts });
  const resolver = resolverFor(server);
  try {
    await body(resolver, server);
  } finally {
    resolver.cancel();
    await server.stop();
  }
}

/** A UDP socket on a free loopback port; `answer` decides the reply (undefined: stay silent). */
async function fakeUpstream(answer: (query: dnsPacket.DecodedPacket) => dnsPacket.Packet | undefined): Promise<{ port: number; socket: UdpSocket }> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const reply = answer(dnsPacket.decode(msg));
    if (reply) socket.send(dnsPacket.encode(reply), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, socket };
}

/** A loopback UDP port nothing listens on (bound, then released). */
async function closedUdpPort(): Promise<number> {
  const { port, socket } = await fakeUpstream(() => undefined);
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

const rejectsWithCode = (p: Promise<unknown>, code: string) => assert.rejects(p, (err: NodeJS.ErrnoException) => err.code === code);

test('dns server: A for a ClusterIP Service, ready endpoints of a headless one, a pod name', async () => {
  await withServer({}, async (resolver) => {
    assert.deepEqual(await resolver.resolve4('web.default.svc.cluster.local', { ttl: true }), [{ address: '10.96.0.10', ttl: 5 }]);
    assert.deepEqual((await resolver.resolve4('db.shop.svc.cluster.local')).sort(), ['10.244.1.7', '10.244.2.8']);
    assert.deepEqual(await resolver.resolve4('db-0.db.shop.svc.cluster.local'), ['10.244.1.7']);
    assert.deepEqual(await resolver.resolve4('10-244-1-5.default.pod.cluster.local'), ['10.244.1.5']);
  });
});

test('dns server: SRV records for named ports', async () => {
  await withServer({}, async (resolver) => {
    assert.deepEqual(await resolver.resolveSrv('_http._tcp.web.default.svc.cluster.local'), [
      { name: 'web.default.svc.cluster.local', port: 80, priority: 0, weight: 100 },
    ]);
    const headless = await resolver.resolveSrv('_pg._tcp.db.shop.svc.cluster.local');
    assert.deepEqual(headless.map((s) => `${s.name}:${s.port}`).sort(), ['10-244-2-8.db.shop.svc.cluster.local:15432', 'db-0.db.shop.svc.cluster.local:15432']);
  });
});

test('dns server: NXDOMAIN for unknown cluster names, NODATA for names without that type', async () => {
  await withServer({}, async (resolver) => {
    await rejectsWithCode(resolver.resolve4('nope.default.svc.cluster.local'), 'ENOTFOUND');
    await rejectsWithCode(resolver.resolve4('db-2.db.shop.svc.cluster.local'), 'ENOTFOUND'); // not ready
    await rejectsWithCode(resolver.resolve6('web.default.svc.cluster.local'), 'ENODATA');
  });
});

test('dns server: outside names get SERVFAIL when the upstream port is closed, silent, or absent', async () => {
  const silent = await fakeUpstream(() => undefined);
  try {
    await withServer({ upstream: [`127.0.0.1:${await closedUdpPort()}`], upstreamTimeoutMs: 1000 }, async (resolver) => {
      await rejectsWithCode(resolver.resolve4('example.com'), 'ESERVFAIL');
    });
    await withServer({ upstream: [`127.0.0.1:${silent.port}`], upstreamTimeoutMs: 300 }, async (resolver) => {
      await rejectsWithCode(resolver.resolve4('example.com'), 'ESERVFAIL');
    });
    await withServer({}, async (resolver) => {
      await rejectsWithCode(resolver.resolve4('example.com'), 'ESERVFAIL');
    });
  } finally {
    await new Promise<void>((resolve) => silent.socket.close(resolve));
  }
});

test('dns server: outside names are answered by a working upstream, even when another one fails', async () => {
  const upstream = await fakeUpstream((q) => ({
    type: 'response',
    id: q.id,
    flags: dnsPacket.RECURSION_AVAILABLE,
    questions: q.questions,
    answers: [{ type: 'A', name: q.questions![0].name, ttl: 60, data: '192.0.2.7' }],
  }));
  try {
    const upstreams = [`127.0.0.1:${await closedUdpPort()}`, `127.0.0.1:${upstream.port}`];
    await withServer({ upstream: upstreams, upstreamTimeoutMs: 2000 }, async (resolver) => {
      assert.deepEqual(await resolver.resolve4('example.com'), ['192.0.2.7']);
      // Cluster names are never forwarded.
      assert.deepEqual(await resolver.resolve4('web.default.svc.cluster.local'), ['10.96.0.10']);
    });
  } finally {
    await new Promise<void>((resolve) => upstream.socket.close(resolve));
  }
});

test('dns server: answers over TCP on the same port, and setRecords swaps the zone', { timeout: 10_000 }, async () => {
  await withServer({}, async (resolver, server) => {
    const reply = await new Promise<dnsPacket.DecodedPacket>((resolve, reject) => {
      const conn = connect(server.port, '127.0.0.1', () => {
        conn.write(dnsPacket.streamEncode({ type: 'query', id: 42, questions: [{ type: 'A', name: 'web.default.svc.cluster.local' }] }));
      });
      let data = Buffer.alloc(0);
      conn.on('data', (chunk) => {
        data = Buffer.concat([data, chunk]);
        if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
          conn.destroy();
          resolve(dnsPacket.decode(data.subarray(2)));
        }
      });
      conn.on('error', reject);
    });
    assert.equal(reply.id, 42);
    assert.deepEqual(reply.answers?.map((a) => (a.type === 'A' ? a.data : a.type)), ['10.96.0.10']);

    server.setRecords(new ClusterDnsRecords([], []));
    await rejectsWithCode(resolver.resolve4('web.default.svc.cluster.local'), 'ENOTFOUND');
  });
});

test('dns server: an answer too big for UDP is truncated, and the resolver gets it whole over TCP', async () => {
  await withServer({}, async (resolver) => {
    assert.deepEqual((await resolver.resolve4('many.bulk.svc.cluster.local')).sort(), [...manyIps].sort());
  });
});

test('dns server: ExternalName Services answer a CNAME, chased inside the cluster and through the upstream outside it', async () => {
  const upstream = await fakeUpstream((q) => ({
    type: 'response',
    id: q.id,
    flags: dnsPacket.RECURSION_AVAILABLE,
    questions: q.questions,
    answers: q.questions![0].name === 'docs.example.org' ? [{ type: 'A', name: 'docs.example.org', ttl: 60, data: '192.0.2.9' }] : [],
  }));
  try {
    await withServer({ upstream: [`127.0.0.1:${upstream.port}`] }, async (resolver) => {
      assert.deepEqual(await resolver.resolveCname('docs.default.svc.cluster.local'), ['docs.example.org']);
      assert.deepEqual(await resolver.resolve4('docs.default.svc.cluster.local'), ['192.0.2.9']);
      assert.deepEqual(await resolver.resolve4('alias.default.svc.cluster.local'), ['10.96.0.10']);
    });
    // Without a working upstream the outside target cannot be chased: SERVFAIL, not a hang.
    await withServer({}, async (resolver) => {
      await rejectsWithCode(resolver.resolve4('docs.default.svc.cluster.local'), 'ESERVFAIL');
      assert.deepEqual(await resolver.resolve4('alias.default.svc.cluster.local'), ['10.96.0.10']);
    });
  } finally {
    await new Promise<void>((resolve) => upstream.socket.close(resolve));
  }
});

test('dns server: a malformed query gets FORMERR and the server keeps answering', { timeout: 10_000 }, async () => {
  await withServer({}, async (resolver, server) => {
    const client = createSocket('udp4');
    try {
      const reply = await new Promise<Buffer>((resolve, reject) => {
        client.once('message', resolve);
        client.once('error', reject);
        // A header claiming one question, followed by a truncated name.
        client.send(Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x05, 0x61]), server.port, '127.0.0.1');
      });
      assert.equal(reply.readUInt16BE(0), 0x1234);
      assert.equal(reply.readUInt16BE(2) & 0xf, 1 /* FORMERR */);
    } finally {
      await new Promise<void>((resolve) => client.close(resolve));
    }
    assert.deepEqual(await resolver.resolve4('web.default.svc.cluster.local'), ['10.96.0.10']);
  });
});

/** An upstream on one loopback port: over UDP it only says "truncated", over TCP it gives `ips` as A records. */
async function truncatingUpstream(ips: string[]): Promise<{ port: number; close(): Promise<void> }> {
  const reply = (q: dnsPacket.DecodedPacket, full: boolean): dnsPacket.Packet => ({
    type: 'response',
    id: q.id,
    flags: dnsPacket.RECURSION_AVAILABLE | (full ? 0 : dnsPacket.TRUNCATED_RESPONSE),
    questions: q.questions,
    answers: full ? ips.map((data) => ({ type: 'A' as const, name: q.questions![0].name, ttl: 60, data })) : [],
  });
  const tcp: TcpServer = createServer((conn) => {
    conn.on('error', () => conn.destroy());
    conn.once('data', (chunk) => conn.end(dnsPacket.streamEncode(reply(dnsPacket.streamDecode(chunk) as dnsPacket.DecodedPacket, true))));
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const port = (tcp.address() as { port: number }).port;
  const udp = createSocket('udp4');
  udp.on('message', (msg, rinfo) => udp.send(dnsPacket.encode(reply(dnsPacket.decode(msg), false)), rinfo.port, rinfo.address));
  const close = async () => {
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    await new Promise<void>((resolve) => udp.close(resolve));
  };
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, '127.0.0.1', resolve);
    });
  } catch (err) {
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    udp.close();
    throw err;
  }
  return { port, close };
}

test('dns server: an outside answer truncated over UDP is fetched whole over TCP', async () => {
  const ips = Array.from({ length: 60 }, (_, i) => `198.51.100.${i + 1}`);
  const upstream = await truncatingUpstream(ips);
  try {
    await withServer({ upstream: [`127.0.0.1:${upstream.port}`] }, async (resolver) => {
      assert.deepEqual((await resolver.resolve4('big.example')).sort(), [...ips].sort());
    });
  } finally {
    await upstream.close();
  }
});
