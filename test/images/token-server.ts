// A Docker token service for tests (the "realm" of a Bearer challenge): issues ES256 JWTs, with the
// signing certificate in the x5c header, that a real docker-registry verifies against its rootcertbundle.
// Pull is granted to anyone; push only to the configured user.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  rootCertPem: string;
  /** Scopes asked for, with whether Basic credentials came along. */
  requests: Array<{ scope: string; user?: string }>;
  close(): Promise<void>;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export async function startTokenServer(user: { name: string; password: string }): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kap-token-'));
  let certPem: string;
  let keyPem: string;
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=kap-token-issuer'], { stdio: 'ignore' });
    certPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    keyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const key = createPrivateKey(keyPem);
  const certDer = new X509Certificate(certPem).raw;
  const service = 'kap-test-registry';
  const issuer = 'kap-test-issuer';
  const requests: TokenServer['requests'] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scope = url.searchParams.get('scope') ?? '';
    const auth = req.headers.authorization ?? '';
    const [name, password] = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':') : [];
    requests.push({ scope, user: name });
    if (name !== undefined && (name !== user.name || password !== user.password)) {
      res.writeHead(401).end('{"details":"bad credentials"}');
      return;
    }
    // "repository:library/app:pull,push"
    const [type, repo, actions] = scope.split(':');
    const wanted = (actions ?? '').split(',').filter(Boolean);
    const granted = wanted.filter((a) => a === 'pull' || name === user.name);
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: issuer, sub: name ?? '', aud: service, exp: now + 300, nbf: now - 60, iat: now - 60,
      jti: randomBytes(8).toString('hex'),
      access: type === 'repository' ? [{ type, name: repo, actions: granted }] : [],
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${input}.${b64url(signature)}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertPem: certPem,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
