// TCP connections to a pod for httpGet/tcpSocket probes and hooks. Like the kubelet, the agent connects
// from its own (host) network namespace to the pod IP. A pod without a pod network has only loopback, so
// there `kapstan-shim connect` joins the pod's network namespace and relays the connection over its
// stdio: the traffic never leaves that namespace.
import { spawn } from 'node:child_process';
import { isIP, connect as netConnect } from 'node:net';
import { Duplex, type Readable, type Writable } from 'node:stream';

export interface PodEndpoint {
  /** The pod's primary IP; absent when the pod has no network beyond loopback. */
  podIP?: string;
  /** The pod's network namespace (a bind-mounted nsfs file). */
  netnsPath: string;
  shimBinary: string;
}

/** A connection failure worded like Go's net errors, which the kubelet's probe messages show. */
export class DialError extends Error {}

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused', EHOSTUNREACH: 'no route to host', ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'i/o timeout', ECONNRESET: 'connection reset by peer',
};

/** Where a probe connects when its handler names no host: the pod IP, or loopback inside the pod. */
export function defaultHost(endpoint: PodEndpoint): string {
  return endpoint.podIP ?? '127.0.0.1';
}

function dialText(host: string, port: number, reason: string): string {
  return `dial tcp ${isIP(host) === 6 ? `[${host}]` : host}:${port}: connect: ${reason}`;
}

/** Opens a TCP connection to host:port within timeoutMs; resolves once connected. */
export function dialPod(endpoint: PodEndpoint, host: string, port: number, timeoutMs: number): Promise<Duplex> {
  if (endpoint.podIP) return dialDirect(host, port, timeoutMs);
  return dialInNamespace(endpoint, host === 'localhost' ? '127.0.0.1' : host, port, timeoutMs);
}

function dialDirect(host: string, port: number, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DialError(dialText(host, port, 'i/o timeout')));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new DialError(dialText(host, port, ERRNO_TEXT[err.code ?? ''] ?? err.message)));
    });
  });
}

/**
 * The relay's stdout and stdin as one connection. Not Duplex.from: when the
 * relay exits, its stdin pipe may close before the last stdout bytes and EOF
 * are read, which Duplex.from reports as a premature close, losing the reply.
 * Here the reply is always read to its end; input after the relay is gone is dropped.
 */
function relayStream(out: Readable, input: Writable): Duplex {
  const stream = new Duplex({
    read: () => out.resume(),
    write(chunk: Buffer, _encoding, callback) {
      if (input.destroyed || input.writableEnded) return callback();
      input.write(chunk, () => callback());
    },
    final(callback) {
      if (!input.destroyed) input.end();
      callback();
    },
    destroy(err, callback) {
      out.destroy();
      input.destroy();
      callback(err);
    },
  });
  out.on('data', (data: Buffer) => {
    if (!stream.push(data)) out.pause();
  });
  out.on('end', () => stream.push(null));
  return stream;
}

function dialInNamespace(endpoint: PodEndpoint, host: string, port: number, timeoutMs: number): Promise<Duplex> {
  if (!isIP(host)) return Promise.reject(new DialError(`dial tcp ${host}:${port}: only IP addresses are reachable inside a pod without a network`));
  return new Promise((resolve, reject) => {
    const child = spawn(endpoint.shimBinary, [
      'connect', '--netns', endpoint.netnsPath, '--host', host, '--port', String(port), '--timeout-ms', String(Math.max(1, timeoutMs)),
    ], { stdio: 'pipe' });
    let stderr = '';
    let connected = false;
    const stream = relayStream(child.stdout, child.stdin);
    // Destroying the connection (a probe done or timed out) aborts the pipes; users see errors on their own request.
    stream.on('error', () => undefined);
    child.stdout.on('error', () => undefined);
    stream.on('close', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.stdin.on('error', () => undefined); // the relay may end before all input was written
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!connected && stderr.includes('connected\n')) {
        connected = true;
        resolve(stream);
      }
    });
    child.on('error', (err) => reject(new DialError(`dial tcp ${host}:${port}: ${err.message}`)));
    child.on('close', () => {
      if (connected) return;
      // "connect: 127.0.0.1:81: Connection refused" → Go's wording.
      const reason = /connect: [^:]+:\d+: (.*)/.exec(stderr.trim())?.[1]?.toLowerCase() ?? stderr.trim();
      reject(new DialError(dialText(host, port, reason || 'connection failed')));
    });
  });
}
