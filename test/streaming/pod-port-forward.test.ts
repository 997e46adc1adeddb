// port-forward end to end: kctl (WebSocket channels), kubectl 1.33 (SPDY
// tunnelled in a WebSocket) and kubectl 1.27 (SPDY/3.1 upgrade) → apiserver →
// reverse tunnel → agent → `kapstan-shim connect` into a real busybox pod
// (loopback only: every byte stays on the host's loopback or in the pod's
// network namespace) serving httpd.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { realpathSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { writeAdminKubeconfig } from '../../apiserver/pki';
import type { RunningAgent } from '../../node-agent';
import { startAgentTestBed, startBedAgent, waitFor, type AgentTestBed } from '../agent/agent-testbed';
import { runKctl, type KctlRun } from './kctl-io';

const TIMEOUT = { timeout: 120_000 };
const PAGE = 'hello from the kap pod';
/** A file far larger than one SPDY DATA frame or WebSocket message, with known content (`seq`: 2.7 MB). */
const BIG_COUNT = 400_000;
const BIG = `${Array.from({ length: BIG_COUNT }, (_, i) => i + 1).join('\n')}\n`;

let bed: AgentTestBed;
let agent: RunningAgent | undefined;
let kubeconfig: string;

before(async () => {
  bed = await startAgentTestBed('pf');
  agent = await startBedAgent(bed);
  kubeconfig = writeAdminKubeconfig(bed.root, bed.node.api.url, bed.node.api.caPem, bed.node.api.token);
  await bed.node.pods.create('default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kap-web', labels: { app: 'kap-web' } },
    spec: {
      nodeName: bed.nodeName,
      containers: [{
        name: 'main', image: 'busybox:1.35', ports: [{ name: 'http', containerPort: 8080 }],
        readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
        // 8080 on every address; 8081 only on the pod's loopback (port-forward reaches it too, as in
        // Kubernetes); 9000 echoes what it gets until the client half-closes.
        command: ['sh', '-c', `mkdir -p /www && echo '${PAGE}' > /www/index.html && seq 1 ${BIG_COUNT} > /www/big && httpd -p 127.0.0.1:8081 -h /www && (nc -ll -p 9000 -e cat &) && exec httpd -f -p 8080 -h /www`],
      }],
    },
  });
  // Ready: httpd listens (Running alone comes before the file is written and the server started).
  await waitFor('pod ready', async () => {
    const status = (await bed.getPod('kap-web'))?.status as { conditions?: { type: string; status: string }[] } | undefined;
    return status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  }, 60_000).catch(async (err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify((await bed.getPod('kap-web'))?.status)}\n${bed.logs.slice(-20).join('\n')}`);
  });
});

after(async () => {
  try {
    await agent?.stop();
  } finally {
    await bed?.cleanup();
  }
});

/** GET / through a forwarded local port (a fresh connection each time). */
function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 20_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** Runs kctl port-forward until `body` is done; returns the local ports it printed, in order. */
async function withKctl(args: string[], body: (ports: number[]) => Promise<void>): Promise<KctlRun> {
  const stop = new AbortController();
  let out = '';
  const running = runKctl(kubeconfig, bed.root, ['port-forward', ...args], { signal: stop.signal, onOut: (t) => (out += t) });
  let result: KctlRun | undefined;
  running.then((r) => (result = r), () => undefined);
  try {
    const expected = args.filter((a) => /^\d*:?\d+$/.test(a)).length;
    const ports = await waitFor('Forwarding from lines', () => {
      if (result) throw new Error(`kctl ended: ${JSON.stringify(result)}`);
      const found = [...out.matchAll(/^Forwarding from 127\.0\.0\.1:(\d+) -> \d+$/gm)].map((m) => Number(m[1]));
      return found.length === expected ? found : undefined;
    });
    await body(ports);
  } catch (err) {
    stop.abort();
    const r = await running;
    throw new Error(`${(err as Error).message}\nkctl stdout: ${r.out}\nkctl stderr: ${r.err}`);
  } finally {
    stop.abort();
  }
  return running;
}

test('kctl port-forward pod/NAME: the page, two concurrent connections, a loopback-only port, a 2.7 MB file', TIMEOUT, async () => {
  const run = await withKctl(['pod/kap-web', ':8080', ':8081', '--address', '127.0.0.1'], async ([web, loopbackOnly]) => {
    assert.deepEqual(await get(web, '/index.html'), { status: 200, body: `${PAGE}\n` });
    const [a, b] = await Promise.all([get(web, '/index.html'), get(web, '/index.html')]);
    assert.equal(a.body, `${PAGE}\n`);
    assert.equal(b.body, `${PAGE}\n`);
    assert.equal((await get(loopbackOnly, '/index.html')).body, `${PAGE}\n`);
    assert.ok((await get(web, '/big')).body === BIG, 'the 2.7 MB file arrives intact');
  });
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /^Forwarding from 127\.0\.0\.1:\d+ -> 8080$/m);
  assert.equal(run.out.match(/^Handling connection for \d+$/gm)?.length, 5);
});

test('kctl port-forward to a port nothing listens on: an error for that connection, the forwarder keeps running', TIMEOUT, async () => {
  const run = await withKctl(['kap-web', ':8080', ':81', '--address', '127.0.0.1'], async ([web, nothing]) => {
    await assert.rejects(get(nothing));
    assert.equal((await get(web, '/index.html')).body, `${PAGE}\n`);
  });
  assert.equal(run.code, 0, run.err);
  assert.match(run.err, /error: an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod [0-9a-f-]+, uid : .*dial tcp 127\.0\.0\.1:81: connect: connection refused/);
});

test('kctl port-forward svc/NAME and deploy/NAME resolve to a pod (Service port → targetPort by name)', TIMEOUT, async () => {
  await bed.node.registry.storeFor('', 'v1', 'services').create('default', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'kap-web' },
    spec: { selector: { app: 'kap-web' }, ports: [{ port: 80, targetPort: 'http' }] },
  });
  await bed.node.registry.storeFor('apps', 'v1', 'deployments').create('default', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'kap-web' },
    spec: {
      replicas: 0, selector: { matchLabels: { app: 'kap-web' } },
      template: { metadata: { labels: { app: 'kap-web' } }, spec: { containers: [{ name: 'main', image: 'busybox:1.35' }] } },
    },
  });
  const svc = await withKctl(['svc/kap-web', ':80', '--address', '127.0.0.1'], async ([port]) => {
    assert.equal((await get(port, '/index.html')).body, `${PAGE}\n`);
  });
  assert.match(svc.out, /^Forwarding from 127\.0\.0\.1:\d+ -> 8080$/m);
  await withKctl(['deploy/kap-web', ':8080', '--address', '127.0.0.1'], async ([port]) => {
    assert.equal((await get(port, '/index.html')).body, `${PAGE}\n`);
  });
  const missing = await runKctl(kubeconfig, bed.root, ['port-forward', 'svc/kap-web', '9999']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /Service kap-web does not have a service port 9999/);
});

/** The machine's kubectl package keeps every version beside the one on PATH. */
test('the kubelet-style WebSocket (v4.channel.k8s.io, ?ports=): port prefixes on both channels, then the reply', TIMEOUT, async () => {
  const url = `${bed.node.api.url.replace(/^https/, 'wss')}/api/v1/namespaces/default/pods/kap-web/portforward?ports=8080`;
  const ws = new WebSocket(url, ['v4.channel.k8s.io'], { ca: bed.node.api.caPem, headers: { Authorization: `Bearer ${bed.node.api.token}` } });
  const channels: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)];
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET /index.html HTTP/1.0\r\n\r\n')])));
    ws.on('message', (m: Buffer) => (channels[m[0]] = Buffer.concat([channels[m[0]], m.subarray(1)])));
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
  assert.equal(ws.protocol, 'v4.channel.k8s.io');
  assert.equal(channels[0].readUInt16LE(0), 8080);
  assert.match(channels[0].subarray(2).toString(), new RegExp(`^HTTP/1.[01] 200 OK\r\n[\\s\\S]*${PAGE}\n$`));
  assert.deepEqual([...channels[1]], [0x90, 0x1f]); // 8080, and no error
});

test('a pod that is not running: kctl refuses it, and so does the apiserver (400 before any upgrade)', TIMEOUT, async () => {
  await bed.node.pods.create('default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kap-unbound' }, spec: { containers: [{ name: 'main', image: 'busybox:1.35' }] },
  });
  const run = await runKctl(kubeconfig, bed.root, ['port-forward', 'pod/kap-unbound', '8080']);
  assert.equal(run.code, 1);
  assert.match(run.err, /unable to forward port because pod is not running\. Current status=Pending/);
  const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = `${bed.node.api.url.replace(/^https/, 'wss')}/api/v1/namespaces/default/pods/kap-unbound/portforward?ports=8080`;
    const ws = new WebSocket(url, ['v4.channel.k8s.io'], { ca: bed.node.api.caPem, headers: { Authorization: `Bearer ${bed.node.api.token}` } });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => reject(new Error('upgraded')));
    ws.on('error', () => undefined);
  });
  assert.equal(refused.status, 400);
  assert.match(JSON.parse(refused.body).message, /pod kap-unbound does not have a host assigned/);
});

/** Sends `size` bytes to the echo server, half-closes, and resolves with everything echoed back. */
function echo(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port }, () => socket.end(payload));
    socket.setTimeout(30_000, () => socket.destroy(new Error('echo timed out')));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

const UPLOAD = Buffer.from(Array.from({ length: 4 * 1024 * 1024 }, (_, i) => (i * 7 + (i >> 10)) & 0xff));

test('4 MB sent, half-closed and echoed back through kctl and kubectl 1.33 (both directions at once)', TIMEOUT, async () => {
  await withKctl(['kap-web', ':9000', '--address', '127.0.0.1'], async ([port]) => {
    const back = await echo(port, UPLOAD);
    assert.ok(back.equals(UPLOAD), `kctl: the echo (${back.length} bytes) equals what was sent`);
  });
  await withKubectl('1.33', ['pod/kap-web', ':9000'], async (port) => {
    const back = await echo(port, UPLOAD);
    assert.ok(back.equals(UPLOAD), `kubectl: the echo (${back.length} bytes) equals what was sent`);
  });
});

function kubectlBinary(version: string): string {
  return join(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim())), `kubectl.${version}`);
}

/** Runs the machine's kubectl port-forward, waits for its "Forwarding from" line, runs body, stops it by PID. */
async function withKubectl(version: string, args: string[], body: (port: number) => Promise<void>): Promise<{ stdout: string; stderr: string }> {
  const child: ChildProcess = spawn(kubectlBinary(version), ['--kubeconfig', kubeconfig, 'port-forward', ...args, '--address', '127.0.0.1', '-v=4'], {
    env: { ...process.env, HOME: bed.root }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const port = await waitFor(`kubectl ${version} forwarding`, () => {
      if (child.exitCode !== null) throw new Error(`kubectl ${version} exited ${child.exitCode}: ${stderr}`);
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(stdout);
      return m ? Number(m[1]) : undefined;
    });
    await body(port);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nkubectl stdout: ${stdout}\nkubectl stderr: ${stderr}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
  return { stdout, stderr };
}

for (const version of ['1.33', '1.30', '1.27']) {
  test(`kubectl ${version} port-forward gets the page (one connection, two at once, a 2.7 MB file)`, TIMEOUT, async () => {
    const run = await withKubectl(version, ['pod/kap-web', ':8080'], async (port) => {
      assert.deepEqual(await get(port, '/index.html'), { status: 200, body: `${PAGE}\n` });
      const both = await Promise.all([get(port, '/index.html'), get(port, '/index.html')]);
      assert.deepEqual(both.map((r) => r.body), [`${PAGE}\n`, `${PAGE}\n`]);
      const big = await get(port, '/big');
      assert.equal(big.body.length, BIG.length);
      assert.ok(big.body === BIG, 'the 2.7 MB file arrives intact');
    });
    assert.match(run.stdout, /Handling connection for \d+/);
    assert.doesNotMatch(run.stderr, /^E\d{4}|error:/m);
    // 1.33 took the WebSocket (SPDY tunnelled in it) and did not fall back to the SPDY upgrade.
    if (version === '1.33') assert.match(run.stderr, /negotiated protocol: portforward\.k8s\.io/);
    assert.doesNotMatch(run.stderr, /fallback to secondary dialer/);
  });
}

test('kubectl 1.33 port-forward to a port nothing listens on prints the kubelet-worded error from the error stream', TIMEOUT, async () => {
  const run = await withKubectl('1.33', ['pod/kap-web', ':81'], async (port) => {
    await assert.rejects(get(port));
  });
  // klog quotes the message (\" inside).
  assert.match(run.stderr, /an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod [0-9a-f-]+, uid : failed to execute portforward in network namespace \\?"[^"\\]+\\?": failed to connect to localhost:81 inside namespace \\?"[0-9a-f-]+\\?": dial tcp 127\.0\.0\.1:81: connect: connection refused/);
});
