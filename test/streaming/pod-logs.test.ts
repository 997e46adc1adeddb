// kubectl logs end to end: apiserver → reverse tunnel → agent reading real
// CRI log files; through the REST API and through the machine's kubectl.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { criLine, startStreamingTestBed, type StreamingTestBed } from './streaming-testbed';
import { runKctl } from './kctl-io';

let t: StreamingTestBed;
let pod: KubeObject;
const old = new Date(Date.now() - 3600_000).toISOString();
const recent = new Date(Date.now() - 1000).toISOString();

before(async () => {
  t = await startStreamingTestBed('logs');
  pod = await t.createPod('web', ['main', 'sidecar']);
  await t.appendLog(pod, 'main', 0, [criLine(old, 'first run')]);
  await t.appendLog(pod, 'main', 1, [
    criLine(old, 'one'),
    criLine(old, 'tw', 'stdout', 'P'),
    criLine(old, 'o'),
    criLine(recent, 'three', 'stderr'),
  ]);
});

after(async () => {
  await t?.stop();
});

const logPath = (name: string) => `/api/v1/namespaces/default/pods/${name}/log`;

async function getLog(name: string, query: Record<string, string | number | boolean>): Promise<string> {
  return (await t.rest.request<string>('GET', logPath(name), { query, accept: '*/*' })).body;
}

test('the current attempt, with tailLines, timestamps, sinceSeconds and previous', async () => {
  assert.equal(await getLog('web', { container: 'main' }), 'one\ntwo\nthree\n');
  assert.equal(await getLog('web', { container: 'main', tailLines: 2 }), 'two\nthree\n');
  assert.equal(await getLog('web', { container: 'main', tailLines: 1, timestamps: true }), `${recent.replace(/Z$/, '000000Z')} three\n`);
  assert.equal(await getLog('web', { container: 'main', sinceSeconds: 60 }), 'three\n');
  assert.equal(await getLog('web', { container: 'main', previous: true }), 'first run\n');
  assert.equal(await getLog('web', { container: 'main', sinceTime: new Date(Date.now() - 60_000).toISOString() }), 'three\n');
  assert.equal(await getLog('web', { container: 'main', limitBytes: 6 }), 'one\ntw');
  assert.equal(await getLog('web', { container: 'main', limitBytes: 6, follow: true }), 'one\ntw');
});

test('errors are Statuses: unknown pod, unknown container, no container chosen, no previous, node not connected', async () => {
  const code = async (name: string, query: Record<string, string | boolean>) => {
    const err = await getLog(name, query).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    return [err.httpStatus, err.message];
  };
  assert.deepEqual(await code('nope', {}), [404, 'pods "nope" not found']);
  assert.deepEqual(await code('web', { container: 'db' }), [400, 'container db is not valid for pod web']);
  assert.deepEqual(await code('web', {}), [400, 'a container name must be specified for pod web, choose one of: [main sidecar]']);
  assert.deepEqual(await code('web', { container: 'sidecar' }), [400, 'container "sidecar" in pod "web" is waiting to start: ContainerCreating']);
  await t.bed.pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'elsewhere' }, spec: { nodeName: 'kap-logs-absent', containers: [{ name: 'c', image: 'busybox:1.35' }] } });
  const [status, message] = await code('elsewhere', {});
  assert.equal(status, 503);
  assert.match(String(message), /node "kap-logs-absent" is not connected/);
  const single = (await t.bed.pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'single' }, spec: { nodeName: t.nodeName, containers: [{ name: 'only', image: 'busybox:1.35' }] } })).object;
  await t.appendLog(single, 'only', 0, [criLine(old, 'only run')]);
  assert.equal(await getLog('single', {}), 'only run\n');
  assert.deepEqual(await code('single', { previous: true }), [400, 'previous terminated container "only" in pod "single" not found']);
});

test('follow streams lines appended later, and a restart\'s new attempt', async () => {
  const follower = await t.createPod('follow');
  await t.appendLog(follower, 'main', 0, [criLine(old, 'before')]);
  const url = new URL(`${t.bed.api.url}${logPath('follow')}?follow=true`);
  let received = '';
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = request(url, { ca: t.bed.api.caPem, headers: { Authorization: `Bearer ${t.bed.api.token}` } }, resolve);
    req.on('error', reject);
    req.end();
  });
  try {
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const seen = (text: string) => new Promise<void>((resolve) => {
      const check = () => {
        if (received.includes(text)) {
          res.off('data', onData);
          resolve();
        }
      };
      const onData = (d: Buffer) => {
        received += d.toString();
        check();
      };
      res.on('data', onData);
      check();
    });
    await seen('before\n');
    await t.appendLog(follower, 'main', 0, [criLine(new Date().toISOString(), 'appended')]);
    await seen('appended\n');
    await t.appendLog(follower, 'main', 1, [criLine(new Date().toISOString(), 'restarted')]);
    await seen('restarted\n');
    assert.equal(received, 'before\nappended\nrestarted\n');
  } finally {
    res.destroy();
  }
});

test('follow ends once the container has stopped for good (restartPolicy Never)', async () => {
  const job = await t.createPod('job');
  const logFile = await t.appendLog(job, 'main', 0, [criLine(old, 'done')]);
  const podDir = join(t.podsDir, job.metadata.uid!);
  await writeFile(join(podDir, 'pod.json'), JSON.stringify({ ...job, spec: { ...(job.spec as object), restartPolicy: 'Never' } }));
  await mkdir(join(dirname(logFile), 'state'));
  await writeFile(join(dirname(logFile), 'state', 'state.json'), JSON.stringify({ status: 'stopped', exitCode: 0 }));
  // Resolves only because the server ends the followed stream.
  assert.equal(await getLog('job', { follow: true }), 'done\n');
});

test('kubectl logs', async () => {
  const plain = await t.kubectl(['logs', 'web', '-c', 'main']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stdout, 'one\ntwo\nthree\n');
  const tail = await t.kubectl(['logs', 'web', '-c', 'main', '--tail=1', '--timestamps']);
  assert.equal(tail.code, 0, tail.stderr);
  assert.match(tail.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z three\n$/);
  const previous = await t.kubectl(['logs', 'web', '-c', 'main', '--previous']);
  assert.equal(previous.stdout, 'first run\n');
  const invalid = await t.kubectl(['logs', 'web', '-c', 'db']);
  assert.notEqual(invalid.code, 0);
  assert.match(invalid.stderr, /container db is not valid for pod web/);
});

test('kctl logs: tail, previous, timestamps, errors, and -f until aborted', async () => {
  const kctl = (args: string[], opts = {}) => runKctl(t.kubeconfig, t.home, args, opts);
  const tail = await kctl(['logs', 'web', '-c', 'main', '--tail', '2']);
  assert.equal(tail.code, 0, tail.err);
  assert.equal(tail.out, 'two\nthree\n');
  assert.equal((await kctl(['logs', 'pod/web', '-c', 'main', '-p'])).out, 'first run\n');
  assert.match((await kctl(['logs', 'web', '-c', 'main', '--tail=1', '--timestamps'])).out, /^\S+Z three\n$/);
  assert.equal((await kctl(['logs', 'web', '-c', 'main', '--since=1m'])).out, 'three\n');
  assert.equal((await kctl(['logs', 'web', '-c', 'main', '--limit-bytes', '4'])).out, 'one\n');
  const defaulted = await kctl(['logs', 'web']);
  assert.equal(defaulted.out, 'one\ntwo\nthree\n');
  assert.match(defaulted.err, /Defaulted container "main" out of: main, sidecar/);
  const invalid = await kctl(['logs', 'web', '-c', 'db']);
  assert.equal(invalid.code, 1);
  assert.equal(invalid.err, 'Error from server (BadRequest): container db is not valid for pod web\n');
  assert.match((await kctl(['logs', 'nope'])).err, /Error from server \(NotFound\): pods "nope" not found/);

  const followed = await t.createPod('kctl-follow');
  await t.appendLog(followed, 'main', 0, [criLine(old, 'start')]);
  const stop = new AbortController();
  let seen = '';
  let sawStart!: () => void;
  const started = new Promise<void>((resolve) => (sawStart = resolve));
  const running = kctl(['logs', 'kctl-follow', '-f'], {
    signal: stop.signal,
    onOut: (text: string) => {
      seen += text;
      if (seen.includes('later\n')) stop.abort();
      else if (seen.includes('start\n')) sawStart();
    },
  });
  await started;
  await t.appendLog(followed, 'main', 0, [criLine(new Date().toISOString(), 'later')]);
  const result = await running;
  assert.equal(result.code, 0, result.err);
  assert.equal(result.out, 'start\nlater\n');
});
