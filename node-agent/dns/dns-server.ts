// The cluster DNS server: answers names in the cluster domain from a
// ClusterRecordSource and forwards every other name to the node's resolvers.
// It never leaves a client hanging: an upstream that fails, refuses or stays
// silent past upstreamTimeoutMs (or no upstream at all) is answered SERVFAIL.
// UDP and TCP on the same port (TCP for clients retrying truncated answers);
// a query that came over TCP is forwarded over TCP.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { createServer, isIPv6, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { normalizeName, type ClusterRecord, type ClusterRecordSource } from './records';
import { forwardQuery, parseUpstream, type Transport } from './upstream';

/** TTL of every cluster answer: short, so Service changes show quickly. */
export const CLUSTER_RECORD_TTL = 5;
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 2000;

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 } as const;
const UDP_DEFAULT_PAYLOAD = 512;
const TCP_IDLE_TIMEOUT_MS = 10_000;
/** Bounds CNAME chains between ExternalName Services (and loops among them). */
const MAX_CNAME_HOPS = 8;

export interface DnsServerOptions {
  host: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
  records: ClusterRecordSource;
  /** "IP" or "IP:PORT" ("[IPv6]:PORT"); absent or empty: outside names get SERVFAIL. */
  upstream?: string[];
  upstreamTimeoutMs?: number;
}

export interface DnsServer {
  port: number;
  /** Swaps the zone (e.g. after Services or Endpoints changed). */
  setRecords(records: ClusterRecordSource): void;
  stop(): Promise<void>;
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  let records = opts.records;
  const upstreams = (opts.upstream ?? []).map(parseUpstream);
  const upstreamTimeoutMs = opts.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  const forwards = new Set<() => void>();
  const tcpConnections = new Set<TcpSocket>();
  let stopped = false;

  /** The reply to one query; undefined when it is not worth one (garbage). */
  const answer = async (query: Buffer, transport: Transport): Promise<Buffer | undefined> => {
    let packet: dnsPacket.DecodedPacket;
    try {
      packet = dnsPacket.decode(query);
    } catch {
      return query.length >= 2 ? errorReply(query.readUInt16BE(0), undefined, RCODE.FORMERR) : undefined;
    }
    if (packet.type !== 'query') return undefined;
    const opcode = (packet as { opcode?: string }).opcode;
    if (opcode !== 'QUERY') return errorReply(packet.id ?? 0, packet, RCODE.NOTIMP);
    const question = packet.questions?.length === 1 ? packet.questions[0] : undefined;
    if (!question) return errorReply(packet.id ?? 0, packet, RCODE.FORMERR);

    const result = records.lookup(question.name, question.type);
    if (result.kind === 'outside') {
      const reply = await forward(query, transport);
      return reply ?? errorReply(packet.id ?? 0, packet, RCODE.SERVFAIL);
    }
    let rcode: number = result.kind === 'nxdomain' ? RCODE.NXDOMAIN : RCODE.NOERROR;
    const answers = result.kind === 'answer' ? result.records.map((r) => toAnswer(r, question.name)) : [];
    const alias = result.kind === 'answer' ? result.records.find((r) => r.type === 'CNAME') : undefined;
    if (alias?.type === 'CNAME' && question.type !== 'CNAME') {
      const chased = await chase(alias.target, question.type, transport);
      if (chased.rcode === RCODE.SERVFAIL) return errorReply(packet.id ?? 0, packet, RCODE.SERVFAIL);
      rcode = chased.rcode;
      answers.push(...chased.answers);
    }
    const reply: dnsPacket.Packet = {
      type: 'response',
      id: packet.id,
      flags: flagsOf(packet, rcode) | dnsPacket.AUTHORITATIVE_ANSWER,
      questions: [question],
      answers,
      // An SOA lets resolvers cache the negative answer (for its minimum TTL).
      authorities: answers.length === 0 ? [soaOf(records.clusterDomain)] : [],
    };
    const encoded = dnsPacket.encode(reply);
    if (transport === 'udp' && encoded.length > udpPayloadLimit(packet)) {
      return dnsPacket.encode({ ...reply, answers: [], authorities: [], flags: reply.flags! | dnsPacket.TRUNCATED_RESPONSE });
    }
    return encoded;
  };

  /** Follows an ExternalName's CNAME: inside the zone from the records, outside through the upstreams. */
  const chase = async (target: string, type: string, transport: Transport, hops = 0): Promise<{ rcode: number; answers: dnsPacket.Answer[] }> => {
    const result = records.lookup(target, type);
    if (result.kind === 'nxdomain') return { rcode: RCODE.NXDOMAIN, answers: [] };
    if (result.kind === 'answer') {
      const answers = result.records.map((r) => toAnswer(r, target));
      const next = result.records.find((r) => r.type === 'CNAME');
      if (next?.type !== 'CNAME') return { rcode: RCODE.NOERROR, answers };
      if (hops >= MAX_CNAME_HOPS) return { rcode: RCODE.SERVFAIL, answers: [] };
      const rest = await chase(next.target, type, transport, hops + 1);
      return { rcode: rest.rcode, answers: [...answers, ...rest.answers] };
    }
    const id = randomInt(0x10000);
    const query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: type as dnsPacket.RecordType, name: target }] });
    const reply = await forward(query, transport);
    if (!reply) return { rcode: RCODE.SERVFAIL, answers: [] };
    try {
      const decoded = dnsPacket.decode(reply);
      return { rcode: reply.readUInt16BE(2) & 0xf, answers: decoded.answers ?? [] };
    } catch {
      return { rcode: RCODE.SERVFAIL, answers: [] };
    }
  };

  /** The upstreams' reply to a raw query (its id kept), undefined when they fail; cancelled by stop(). */
  const forward = async (query: Buffer, transport: Transport): Promise<Buffer | undefined> => {
    if (stopped) return undefined;
    const pending = forwardQuery(upstreams, query, transport, upstreamTimeoutMs);
    forwards.add(pending.cancel);
    try {
      return await pending.reply;
    } finally {
      forwards.delete(pending.cancel);
    }
  };

  const makeUdp = (): UdpSocket => {
    const socket = createSocket(isIPv6(opts.host) ? 'udp6' : 'udp4');
    socket.on('message', (msg, rinfo) => {
      answer(msg, 'udp').then(
        // After stop() the socket is closed: a late answer (cancelled forward) is dropped.
        (reply) => reply && !stopped && socket.send(reply, rinfo.port, rinfo.address),
        () => undefined,
      );
    });
    return socket;
  };

  const tcp = createServer((conn) => {
    tcpConnections.add(conn);
    conn.setTimeout(TCP_IDLE_TIMEOUT_MS, () => conn.destroy());
    conn.on('close', () => tcpConnections.delete(conn));
    conn.on('error', () => conn.destroy());
    let buffered = Buffer.alloc(0);
    conn.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const query = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + query.length);
        answer(query, 'tcp').then(
          (reply) => {
            if (!reply || conn.destroyed) return;
            const length = Buffer.alloc(2);
            length.writeUInt16BE(reply.length);
            conn.write(Buffer.concat([length, reply]));
          },
          () => conn.destroy(),
        );
      }
    });
  });

  const { udp, port } = await bindBoth(makeUdp, tcp, opts.host, opts.port);
  return {
    port,
    setRecords(next) {
      records = next;
    },
    async stop() {
      stopped = true;
      for (const cancel of [...forwards]) cancel();
      for (const conn of tcpConnections) conn.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}

/** Binds UDP then TCP on the same port; with port 0, tries again when TCP finds that port taken. */
async function bindBoth(makeUdp: () => UdpSocket, tcp: TcpServer, host: string, port: number): Promise<{ udp: UdpSocket; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const udp = makeUdp();
    const udpPort = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => {
        udp.off('error', reject);
        resolve(udp.address().port);
      });
    }).catch((err: unknown) => {
      closeQuietly(udp);
      throw err;
    });
    // After binding, a failed send to one client must not take the server down.
    udp.on('error', () => undefined);
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(udpPort, host, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
      return { udp, port: udpPort };
    } catch (err) {
      closeQuietly(udp);
      if (port !== 0 || attempt >= 4) throw err;
    }
  }
}

function closeQuietly(socket: UdpSocket): void {
  try {
    socket.close();
  } catch {
    // never bound: nothing to close
  }
}

function flagsOf(query: dnsPacket.DecodedPacket, rcode: number): number {
  // Echo RD (and CD); we recurse for outside names, so RA is set.
  return (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE | rcode;
}

function errorReply(id: number, query: dnsPacket.DecodedPacket | undefined, rcode: number): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id,
    flags: (query ? flagsOf(query, 0) : 0) | rcode,
    questions: query?.questions ?? [],
    answers: [],
  });
}

function udpPayloadLimit(query: dnsPacket.DecodedPacket): number {
  const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.max(UDP_DEFAULT_PAYLOAD, opt?.udpPayloadSize ?? 0);
}

function toAnswer(record: ClusterRecord, askedName: string): dnsPacket.Answer {
  // Answer under the name as asked (case preserved), as resolvers expect.
  const name = normalizeName(askedName) === record.name ? askedName.replace(/\.+$/, '') : record.name;
  if (record.type === 'A') return { type: 'A', name, ttl: CLUSTER_RECORD_TTL, data: record.address };
  if (record.type === 'CNAME') return { type: 'CNAME', name, ttl: CLUSTER_RECORD_TTL, data: record.target };
  const { priority, weight, port, target } = record;
  return { type: 'SRV', name, ttl: CLUSTER_RECORD_TTL, data: { priority, weight, port, target } };
}

function soaOf(zone: string): dnsPacket.Answer {
  return {
    type: 'SOA',
    name: zone,
    ttl: CLUSTER_RECORD_TTL,
    data: {
      mname: `ns.dns.${zone}`,
      rname: `hostmaster.${zone}`,
      serial: 1,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: CLUSTER_RECORD_TTL,
    },
  };
}
