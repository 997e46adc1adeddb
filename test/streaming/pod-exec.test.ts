// kubectl exec end to end: apiserver WebSocket → reverse tunnel → agent →
// kapstan-shim exec in a real busybox container (needs root and the helper).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import type { KubeObject } from '../../api/types';
import { createSandbox, waitFor, type Sandbox } from '../fixtures/runtime/container-sandbox';
import { startStreamingTestBed, type StreamingTestBed } from './streaming-testbed';
import { runKctl } from './kctl-io';

let t: StreamingTestBed;
let sb: Sandbox;
let pod: KubeObject;

before(async () => {
  t = await startStreamingTestBed('exec');
  sb = await createSandbox('exec');
  await sb.writeSpec({ args: ['sleep', '300'], hostname: 'shell', user: { uid: 0, gid: 0 } });
  await sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir, logPath: sb.logPath });
  pod = await t.createPod('shell');
  // The agent's layout: PODS/<uid>/containers/<name>/<attempt>/state.
  const attemptDir = join(t.podsDir, pod.metadata.uid!, 'containers', 'main', '0');
  await mkdir(attemptDir, { recursive: true });
  await symlink(sb.stateDir, join(attemptDir, 'state'));
});

after(async () => {
  await sb?.cleanup();
  await t?.stop();
});

interface WsResult {
  stdout: string;
  stderr: string;
  status?: { status: string; reason?: string; details?: { causes?: { reason: string; message: string }[] } };
  closeCode?: number;
}

/** A raw v5.channel.k8s.io client: sends `frames` once open, collects channels until close. */
function wsExec(query: string, frames: Buffer[] = [], podName = 'shell', protocol = 'v5.channel.k8s.io'): Promise<WsResult> {
  const url = `${t.bed.api.url.replace(/^https/, 'wss')}/api/v1/namespaces/default/pods/${podName}/exec?${query}`;
  const ws = new WebSocket(url, [protocol], { ca: t.bed.api.caPem, headers: { Authorization: `Bearer ${t.bed.api.token}` } });
  const out: WsResult = { stdout: '', stderr: '' };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`exec did not finish: ${JSON.stringify(out)}`));
    }, 30_000);
    ws.on('open', () => frames.forEach((f) => ws.send(f)));
    ws.on('message', (data: Buffer) => {
      const payload = data.subarray(1).toString();
      if (data[0] === 1) out.stdout += payload;
      else if (data[0] === 2) out.stderr += payload;
      else if (data[0] === 3) out.status = JSON.parse(payload);
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        clearTimeout(timer);
        reject(new Error(`HTTP ${res.statusCode}: ${body}`));
      });
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      out.closeCode = code;
      resolve(out);
    });
  });
}

const cmd = (...argv: string[]) => argv.map((a) => `command=${encodeURIComponent(a)}`).join('&');

test('exec returns output and a non-zero exit code as a Failure status', async () => {
  const ok = await wsExec(`${cmd('sh', '-c', 'hostname; echo oops >&2')}&stdout=true&stderr=true`);
  assert.equal(ok.stdout, 'shell\n');
  assert.equal(ok.stderr, 'oops\n');
  assert.equal(ok.status?.status, 'Success');
  assert.equal(ok.closeCode, 1000);

  const failed = await wsExec(`${cmd('sh', '-c', 'exit 3')}&stdout=true&stderr=true`);
  assert.equal(failed.status?.status, 'Failure');
  assert.equal(failed.status?.reason, 'NonZeroExitCode');
  assert.deepEqual(failed.status?.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
});

test('stdin with close (v5), and a TTY resized before the input arrives', async () => {
  const cat = await wsExec(`${cmd('cat')}&stdin=true&stdout=true&stderr=true`, [Buffer.from('\x00hello\n'), Buffer.from([255, 0])]);
  assert.equal(cat.stdout, 'hello\n');
  assert.equal(cat.status?.status, 'Success');

  const tty = await wsExec(`${cmd('sh', '-c', 'read x; stty size')}&stdin=true&stdout=true&tty=true`, [
    Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify({ Width: 91, Height: 17 }))]),
    Buffer.from('\x00go\r'),
  ]);
  assert.match(tty.stdout, /17 91/);
  assert.equal(tty.status?.status, 'Success');
});

test('v4.channel.k8s.io works too (no close channel)', async () => {
  const v4 = await wsExec(`${cmd('head', '-n1')}&stdin=true&stdout=true&stderr=true`, [Buffer.from('\x00line one\nline two\n')], 'shell', 'v4.channel.k8s.io');
  assert.equal(v4.stdout, 'line one\n');
  assert.equal(v4.status?.status, 'Success');
});

test('a container that is not running is refused before the upgrade', async () => {
  await t.createPod('idle');
  await assert.rejects(wsExec(`${cmd('true')}&stdout=true`, [], 'idle'), /HTTP 400: .*container \\"main\\" in pod \\"idle\\" is not running/);
  await assert.rejects(wsExec(`${cmd('true')}&stdout=true&container=db`), /HTTP 400: .*container db is not valid for pod shell/);
});

test('kubectl exec: output, stdin, and the exit code', async () => {
  const ok = await t.kubectl(['exec', 'shell', '--', 'sh', '-c', 'echo out; echo err >&2']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'out\n');
  assert.equal(ok.stderr, 'err\n');
  const withInput = await t.kubectl(['exec', '-i', 'shell', '--', 'cat'], { input: 'piped\n' });
  assert.equal(withInput.code, 0, withInput.stderr);
  assert.equal(withInput.stdout, 'piped\n');
  const failed = await t.kubectl(['exec', 'shell', '--', 'sh', '-c', 'exit 3']);
  assert.equal(failed.code, 3);
  assert.match(failed.stderr, /command terminated with exit code 3/);
});

test('kctl exec: output, stdin, -it split, exit code', async () => {
  const kctl = (args: string[], stdin?: string) => runKctl(t.kubeconfig, t.home, args, { stdin });
  const ok = await kctl(['exec', 'shell', '--', 'sh', '-c', 'echo out; echo err >&2']);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(ok.out, 'out\n');
  assert.equal(ok.err, 'err\n');
  const piped = await kctl(['exec', '-i', 'shell', '-c', 'main', '--', 'wc', '-l'], 'a\nb\nc\n');
  assert.equal(piped.code, 0, piped.err);
  assert.equal(piped.out.trim(), '3');
  const failed = await kctl(['exec', 'shell', '--', 'sh', '-c', 'exit 4']);
  assert.equal(failed.code, 4);
  assert.equal(failed.err, 'command terminated with exit code 4\n');
  // -it without a terminal: a TTY is used for the command, input comes from readStdin.
  const tty = await kctl(['exec', '-it', 'shell', '--', 'sh', '-c', 'test -t 0 && echo tty'], '');
  assert.equal(tty.code, 0, tty.err);
  assert.match(tty.out, /tty/);
  const refused = await kctl(['exec', 'shell', '-c', 'db', '--', 'true']);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /container db is not valid for pod shell/);
});

test('a client that hangs up ends the command and the agent\'s session', async () => {
  const url = `${t.bed.api.url.replace(/^https/, 'wss')}/api/v1/namespaces/default/pods/shell/exec?${cmd('sh', '-c', 'echo started; exec sleep 300')}&stdout=true`;
  const ws = new WebSocket(url, ['v5.channel.k8s.io'], { ca: t.bed.api.caPem, headers: { Authorization: `Bearer ${t.bed.api.token}` } });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer) => data[0] === 1 && data.subarray(1).toString().includes('started') && resolve());
      ws.on('error', reject);
    });
    assert.equal(t.tunnel.activeSessions, 1);
  } finally {
    ws.terminate();
  }
  await waitFor('the exec to end', () => t.tunnel.activeSessions === 0, 10_000);
  const left = await sb.shim.exec(sb.stateDir, ['sh', '-c', 'ps -o comm | grep -c "^sleep$"']);
  assert.equal(left.stdout.trim(), '1', 'only the container\'s own sleep is left');
});

test('kubectl exec -it from a real terminal (script(1) gives kubectl a pty)', async () => {
  const kubectlLine = `kubectl --kubeconfig ${t.kubeconfig} exec -it shell -- sh -c 'test -t 0 && echo "tty:yes"; exit 5'`;
  const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
    const child = execFile('script', ['-qec', kubectlLine, '/dev/null'], { env: { ...process.env, HOME: t.home }, timeout: 60_000 }, (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout });
    });
    child.stdin?.end();
  });
  assert.match(result.stdout, /tty:yes/);
  assert.equal(result.code, 5);
});
