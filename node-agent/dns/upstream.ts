// Forwarding a raw DNS query to the node's resolvers: every upstream is asked
// at once and the first usable reply wins. Bounded: a closed port (ECONNREFUSED
// from ICMP unreachable), a SERVFAIL/REFUSED reply, or silence past the
// timeout all count as failure, and when every upstream failed the caller
// hears so at once instead of waiting for the timeout.
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';

export interface Upstream {
  address: string;
  port: number;
}

export type Transport = 'udp' | 'tcp';

const RCODE_SERVFAIL = 2;
const RCODE_REFUSED = 5;

/** "IP", "IP:PORT" or "[IPv6]:PORT"; port 53 by default. */
export function parseUpstream(spec: string): Upstream {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec);
  if (bracketed) return { address: bracketed[1], port: Number(bracketed[2] ?? 53) };
  if (isIPv6(spec)) return { address: spec, port: 53 };
  const [address, port] = spec.split(':');
  return { address, port: Number(port ?? 53) };
}

export interface PendingForward {
  /** The first usable reply (same id as the query), or undefined when every upstream failed or time ran out. */
  reply: Promise<Buffer | undefined>;
  /** Gives up now: closes every socket, `reply` resolves undefined. */
  cancel(): void;
}

/** One exchange with one upstream; calls back exactly once at most, and can be closed at any time. */
type Exchange = (upstream: Upstream, query: Buffer, onReply: (msg: Buffer) => void, onError: () => void) => () => void;

const exchangeUdp: Exchange = (upstream, query, onReply, onError) => {
  const socket = createSocket(isIPv6(upstream.address) ? 'udp6' : 'udp4');
  let closed = false;
  socket.on('error', onError);
  socket.on('message', onReply);
  // Connected, so an ICMP port unreachable surfaces as ECONNREFUSED right away.
  socket.connect(upstream.port, upstream.address, () => {
    if (!closed) socket.send(query, (err) => err && onError());
  });
  return () => {
    closed = true;
    socket.close();
  };
};

const exchangeTcp: Exchange = (upstream, query, onReply, onError) => {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(query.length);
  const socket = connect({ host: upstream.address, port: upstream.port }, () => socket.write(Buffer.concat([length, query])));
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) onReply(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
  });
  socket.on('error', onError);
  socket.on('close', onError); // closed without a whole reply (after a reply, onError is a no-op)
  return () => socket.destroy();
};

export function forwardQuery(upstreams: Upstream[], query: Buffer, transport: Transport, timeoutMs: number): PendingForward {
  if (upstreams.length === 0) return { reply: Promise.resolve(undefined), cancel: () => undefined };
  const id = query.readUInt16BE(0);
  const closers: Array<() => void> = [];
  let finish!: (reply: Buffer | undefined) => void;
  const reply = new Promise<Buffer | undefined>((resolve) => {
    let done = false;
    finish = (msg) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const close of closers) close();
      resolve(msg);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
  });
  let pending = upstreams.length;
  for (const upstream of upstreams) {
    let failed = false;
    const fail = () => {
      if (failed) return;
      failed = true;
      if (--pending === 0) finish(undefined);
    };
    const exchange = transport === 'tcp' ? exchangeTcp : exchangeUdp;
    closers.push(
      exchange(
        upstream,
        query,
        (msg) => {
          if (msg.length < 4 || msg.readUInt16BE(0) !== id) return; // not ours
          const rcode = msg.readUInt16BE(2) & 0xf;
          if (rcode === RCODE_SERVFAIL || rcode === RCODE_REFUSED) fail();
          else {
            failed = true; // its socket's close is not a failure any more
            finish(msg);
          }
        },
        fail,
      ),
    );
  }
  return { reply, cancel: () => finish(undefined) };
}
