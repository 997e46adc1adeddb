// The depends_on wait scripts run for real with busybox (the binary Kapstan's
// busybox:1.35 image is built from) against a TCP listener and a DNS server
// on 127.0.0.1: they keep waiting while the dependency does not answer and
// finish once it does.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { freePort } from '../../../test/harness/ports';
import { waitContainer } from './depends-on';

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

/** Runs a wait script; resolves with its exit code; calls onWaiting at each "waiting for" line. */
function runScript(script: string, onWaiting: (count: number) => void): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(BUSYBOX as string, ['sh', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  });
  let count = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.startsWith('waiting for')) onWaiting(++count);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited };
}

test('waiting on a TCP port: loops while the port refuses, finishes once something accepts', { skip: !BUSYBOX && 'busybox not installed', timeout: 30000 }, async () => {
  const port = await freePort();
  const script = (waitContainer('db', [{ target: port, protocol: 'TCP' }]).command as string[])[2]
    .replace('db.$(POD_NAMESPACE).svc.cluster.local', '127.0.0.1');
  let server: Server | undefined;
  cleanups.push(() => server?.close());
  const { exited } = runScript(script, (count) => {
    if (count !== 1) return;
    // A server that accepts and never says anything, as a database would before a client speaks.
    server = createServer((socket) => socket.on('error', () => {})).listen(port, '127.0.0.1');
  });
  assert.equal(await exited, 0);
  assert.ok(server, 'the script waited at least once before the port was open');
});

test('waiting on a headless name: loops on NXDOMAIN and on an empty answer, finishes on an address', { skip: !BUSYBOX && 'busybox not installed', timeout: 30000 }, async () => {
  // 0: NXDOMAIN (no Service yet), 1: no addresses (no ready pod), 2: an address.
  let stage = 0;
  const dns: Socket = createSocket('udp4');
  cleanups.push(() => dns.close());
  dns.on('message', (query, peer) => dns.send(dnsAnswer(query, stage), peer.port, peer.address));
  await new Promise<void>((resolve) => dns.bind(0, '127.0.0.1', resolve));
  const host = 'queue.$(POD_NAMESPACE).svc.cluster.local';
  const script = (waitContainer('queue', []).command as string[])[2]
    .replace(`nslookup ${host}`, `nslookup queue.default.svc.cluster.local 127.0.0.1:${dns.address().port}`);
  assert.notEqual(script, (waitContainer('queue', []).command as string[])[2], 'the DNS server was substituted');
  const seenStages: number[] = [];
  const { exited } = runScript(script, () => {
    seenStages.push(stage);
    if (stage < 2) stage++;
  });
  assert.equal(await exited, 0);
  assert.deepEqual(seenStages, [0, 1], 'waited through NXDOMAIN and through an empty answer');
});

/** A DNS response to `query`: NXDOMAIN (stage 0), NOERROR without records (1), or an A record for A queries (2). */
function dnsAnswer(query: Buffer, stage: number): Buffer {
  let end = 12;
  while (query[end] !== 0) end += query[end] + 1;
  const qtype = query.readUInt16BE(end + 1);
  const question = query.subarray(12, end + 5);
  const withAddress = stage === 2 && qtype === 1;
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8180 | (stage === 0 ? 3 : 0), 2); // response, recursion desired+available, rcode
  header.writeUInt16BE(1, 4); // one question
  header.writeUInt16BE(withAddress ? 1 : 0, 6); // answers
  // Name as a pointer to the question, type A, class IN, TTL 5, 4 bytes: 10.244.0.7.
  const answer = withAddress ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 244, 0, 7]) : Buffer.alloc(0);
  return Buffer.concat([header, question, answer]);
}
