// Test helpers: a real HTTPS server on 127.0.0.1 and a client that reports
// whether it got through, so tests check certificates with Node's own TLS.
import https from 'node:https';
import { AddressInfo } from 'node:net';

export interface TestServer {
  port: number;
  close(): Promise<void>;
}

/** Serves 200 with the client certificate's CN (or "anonymous") as the body. */
export async function startHttpsServer(options: https.ServerOptions, host = '127.0.0.1'): Promise<TestServer> {
  const server = https.createServer(options, (req, res) => {
    const socket = req.socket as import('node:tls').TLSSocket;
    const peer = socket.getPeerCertificate();
    res.end(peer && peer.subject ? String(peer.subject.CN) : 'anonymous');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export type GetResult = { ok: true; status: number; body: string } | { ok: false; error: string };

/** GET / over TLS; resolves with the response or the error, never rejects. */
export function httpsGet(options: https.RequestOptions): Promise<GetResult> {
  return new Promise((resolve) => {
    const req = https.request({ method: 'GET', path: '/', agent: false, ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ ok: true, status: res.statusCode ?? 0, body }));
      res.on('error', (err) => resolve({ ok: false, error: err.message }));
    });
    req.on('error', (err) => resolve({ ok: false, error: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.end();
  });
}
