// kapstan-shim on the real kernel: namespaces, overlay, cgroups, logs, exit recording, exec, monitor survival.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSandbox, namespaceOf, waitFor, type Sandbox } from '../../test/fixtures/runtime/container-sandbox';
import { readShimState, ShimError, type ShimState } from './shim-client';

const CRI_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (stdout|stderr) ([FP]) (.*)$/;

async function withSandbox(name: string, body: (sb: Sandbox) => Promise<void>): Promise<void> {
  const sb = await createSandbox(name);
  try {
    await body(sb);
  } finally {
    await sb.cleanup();
  }
}

async function stopped(sb: Sandbox): Promise<ShimState> {
  return waitFor('container to stop', async () => {
    const st = await readShimState(sb.stateDir);
    return st?.status === 'stopped' ? st : null;
  });
}

async function logLines(sb: Sandbox): Promise<string[]> {
  return (await readFile(sb.logPath, 'utf8')).split('\n').filter(Boolean);
}

function criMessages(lines: string[], stream: string): string[] {
  return lines.map((l) => CRI_LINE.exec(l)).filter((m) => m && m[2] === stream).map((m) => m![4]);
}

test('PID 1 is our process, host processes are invisible, hostname is set', async () => {
  await withSandbox('pidns', async (sb) => {
    await sb.writeSpec({ args: ['sh', '-c', 'echo pid=$$; ps -o pid,comm; hostname'], hostname: 'kap-web-0' });
    const { pid } = await sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir, logPath: sb.logPath });
    assert.ok(pid > 1);
    const st = await stopped(sb);
    assert.equal(st.exitCode, 0);
    const out = criMessages(await logLines(sb), 'stdout');
    assert.equal(out[0], 'pid=1');
    const psRows = out.slice(2, -1);
    // Only the shell (PID 1) and ps itself: none of the host's hundreds of processes.
    assert.deepEqual(psRows.map((r) => r.trim().split(/\s+/)[1]).sort(), ['ps', 'sh']);
    assert.equal(out.at(-1), 'kap-web-0');
    assert.notEqual(hostname(), 'kap-web-0');
  });
});

test('namespaces differ from the host while running, and exec runs inside them', async () => {
  await withSandbox('exec', async (sb) => {
    await sb.writeSpec({ args: ['sleep', '300'], hostname: 'kap-exec', user: { uid: 0, gid: 0 } });
    const { pid } = await sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir, logPath: sb.logPath });
    for (const ns of ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup']) {
      assert.notEqual(namespaceOf(pid, ns), namespaceOf('self', ns), `${ns} namespace should be new`);
    }
    const st = await sb.shim.state(sb.stateDir);
    assert.equal(st.status, 'running');
    assert.equal(st.pid, pid);

    const res = await sb.shim.exec(sb.stateDir, ['sh', '-c', 'hostname; cat /proc/1/cmdline | tr "\\0" " "; echo; readlink /proc/self/ns/pid; cat /proc/self/cgroup | grep memory; exit 7']);
    assert.equal(res.exitCode, 7);
    const [execHost, pid1Cmd, pidNs, memCgroup] = res.stdout.split('\n');
    assert.equal(execHost, 'kap-exec');
    assert.equal(pid1Cmd.trim(), 'sleep 300');
    assert.equal(pidNs, namespaceOf(pid, 'pid'));
    // Inside its cgroup namespace the container's cgroup is the root.
    assert.equal(memCgroup.split(':')[2], '/');

    await sb.shim.kill(sb.stateDir, 'SIGKILL');
    const done = await stopped(sb);
    assert.equal(done.signal, 9);
    assert.equal(done.exitCode, 137);
    await assert.rejects(sb.shim.exec(sb.stateDir, ['true']).then((r) => {
      if (r.exitCode !== 0) throw new Error(r.stderr);
    }), /not running/);
  });
});

test('a file written in the container lands in the upper dir, not in the image layer', async () => {
  await withSandbox('overlay', async (sb) => {
    await sb.writeSpec({ args: ['sh', '-c', 'echo hi > /written.txt; rm /bin/vi'] });
    await sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir });
    assert.equal((await stopped(sb)).exitCode, 0);
    assert.equal(readFileSync(join(sb.upperDir, 'written.txt'), 'utf8'), 'hi\n');
    assert.equal(existsSync(join(sb.layerDir, 'written.txt')), false);
    // The deletion is a whiteout in the upper dir; the layer keeps its file.
    assert.equal(existsSync(join(sb.layerDir, 'bin/vi')), true);
    assert.equal(existsSync(join(sb.rootfs, 'bin/vi')), false);
  });
});

test('a 64 MiB memory limit OOM-kills a process allocating 200 MiB and the state says so', async () => {
  await withSandbox('oom', async (sb) => {
    await sb.writeSpec({
      args: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=200M', 'count=1'],
      resources: { memoryLimitBytes: 64 * 1024 * 1024 },
    });
    await sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir });
    const st = await stopped(sb);
    assert.equal(st.oomKilled, true);
    assert.equal(st.signal, 9);
    assert.equal(st.exitCode, 137);
  });
});

test('exit codes, signals and CRI logs with partial lines; init mode forwards signals', async () => {
  await withSandbox('exit', async (sb) => {
    await sb.writeSpec({
      args: ['sh', '-c', 'echo out1; echo err1 >&2; printf "%05000d" 0; printf "%05000d" 0; printf "%05000d" 0; printf "%05000d\\n" 0; printf tail; exit 42'],
    });
    await sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir, logPath: sb.logPath });
    const st = await stopped(sb);
    assert.equal(st.exitCode, 42);
    assert.equal(st.signal, 0);
    assert.equal(st.oomKilled, false);
    assert.ok(st.startedAt && st.finishedAt && st.finishedAt >= st.startedAt);
    const lines = await logLines(sb);
    for (const l of lines) assert.match(l, CRI_LINE);
    assert.deepEqual(criMessages(lines, 'stderr'), ['err1']);
    const out = lines.map((l) => CRI_LINE.exec(l)!).filter((m) => m[2] === 'stdout');
    assert.equal(out[0][4], 'out1');
    // 20000 characters: a 16 KiB partial record, then the rest as the final one.
    const long = out.slice(1, -1);
    assert.deepEqual(long.map((m) => m[3]), ['P', 'F']);
    assert.equal(long.map((m) => m[4]).join('').length, 20000);
    assert.equal(out.at(-1)![4], 'tail');
  });

  await withSandbox('signal', async (sb) => {
    // A plain `sleep` as PID 1 would ignore SIGTERM; the reaper forwards it.
    await sb.writeSpec({ args: ['sleep', '300'], init: true });
    const { pid } = await sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir });
    await waitFor('sleep child', () => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() !== '');
    await sb.shim.kill(sb.stateDir, 'SIGTERM');
    const st = await stopped(sb);
    assert.equal(st.signal, 15);
    assert.equal(st.exitCode, 143);
  });
});

test('init mode reaps orphaned zombies', async () => {
  await withSandbox('reaper', async (sb) => {
    // The inner sh exits at once, orphaning `sleep 0`s; they must not stay zombies under PID 1.
    await sb.writeSpec({ args: ['sh', '-c', 'for i in 1 2 3; do sh -c "sleep 0 &"; done; sleep 300'], init: true });
    const { pid } = await sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir });
    const res = await waitFor('no zombies', async () => {
      const r = await sb.shim.exec(sb.stateDir, ['sh', '-c', 'ps -o stat,comm | grep -c "^Z" || true']);
      return r.stdout.trim() === '0' ? r : null;
    });
    assert.equal(res.exitCode, 0);
    assert.ok(readFileSync(`/proc/${pid}/status`, 'utf8').includes('State:'));
  });
});

test('create fails with the step that failed', async () => {
  await withSandbox('fail', async (sb) => {
    await sb.writeSpec({ args: ['/no/such/binary'] });
    await assert.rejects(
      sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir }),
      (err: unknown) => err instanceof ShimError && /exec: \/no\/such\/binary: No such file or directory/.test(err.message),
    );
    assert.equal(await readShimState(sb.stateDir), null);

    await sb.writeSpec({ args: ['true'], cwd: '/missing' });
    await assert.rejects(sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir }), /chdir: \/missing: No such file or directory/);
  });
});

test('the monitor outlives the process that created the container', async () => {
  await withSandbox('survive', async (sb) => {
    await sb.writeSpec({ args: ['sleep', '300'] });
    const clientModule = require.resolve('./shim-client');
    const script = `
      const { ShimClient } = require(${JSON.stringify(clientModule)});
      new ShimClient().create(${JSON.stringify({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir, logPath: sb.logPath })})
        .then(({ pid }) => { process.stdout.write('created ' + pid + '\\n'); setInterval(() => {}, 1000); },
              (err) => { process.stdout.write('failed ' + err.message + '\\n'); process.exit(1); });`;
    const agent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((res, rej) => {
        let buf = '';
        agent.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          if (buf.includes('\n')) res(buf.trim());
        });
        agent.on('exit', () => rej(new Error(`agent exited: ${buf}`)));
      });
      assert.match(line, /^created \d+$/);
      const pid = Number(line.split(' ')[1]);
      agent.kill('SIGKILL');
      await new Promise((r) => (agent.exitCode !== null || agent.signalCode !== null ? r(null) : agent.once('exit', r)));

      const st = await sb.shim.state(sb.stateDir);
      assert.equal(st.status, 'running');
      assert.equal(st.pid, pid);
      process.kill(pid, 0); // still alive
      process.kill(st.monitorPid, 0);

      await sb.shim.kill(sb.stateDir, 'SIGKILL');
      const done = await stopped(sb);
      assert.equal(done.signal, 9);
    } finally {
      if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
    }
  });
});

test('delete removes the cgroup and the state', async () => {
  await withSandbox('delete', async (sb) => {
    await sb.writeSpec({ args: ['sleep', '300'], resources: { pidsLimit: 20 } });
    await sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir });
    const pidsDir = `/sys/fs/cgroup/pids${sb.cgroupsPath}`;
    if (existsSync('/sys/fs/cgroup/pids')) assert.equal(readFileSync(join(pidsDir, 'pids.max'), 'utf8').trim(), '20');
    await assert.rejects(sb.shim.delete(sb.stateDir), /still running/);
    await sb.shim.delete(sb.stateDir, { force: true });
    assert.equal(existsSync(pidsDir), false);
    assert.equal(await readShimState(sb.stateDir), null);
  });
});

test('a pod container joins the sandbox network, IPC and UTS namespaces by path', async () => {
  await withSandbox('pause', async (pause) => {
    await pause.writeSpec({ args: ['sleep', '300'], hostname: 'kap-pod' });
    const { pid: pausePid } = await pause.shim.create({ bundle: pause.bundleDir, id: pause.id, stateDir: pause.stateDir });
    await withSandbox('member', async (member) => {
      const ns = (t: string) => `/proc/${pausePid}/ns/${t}`;
      await member.writeSpec({ args: ['sleep', '300'], sharedNamespaces: { network: ns('net'), ipc: ns('ipc'), uts: ns('uts') } });
      const { pid } = await member.shim.create({ bundle: member.bundleDir, id: member.id, stateDir: member.stateDir });
      for (const t of ['net', 'ipc', 'uts']) assert.equal(namespaceOf(pid, t), namespaceOf(pausePid, t), t);
      for (const t of ['pid', 'mnt']) assert.notEqual(namespaceOf(pid, t), namespaceOf(pausePid, t), t);
      const res = await member.shim.exec(member.stateDir, ['hostname']);
      assert.equal(res.stdout.trim(), 'kap-pod');
    });
  });
});

test('exec --tty gives the process a terminal on the container devpts', async () => {
  await withSandbox('tty', async (sb) => {
    await sb.writeSpec({ args: ['sleep', '300'] });
    await sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir });
    const res = await sb.shim.exec(sb.stateDir, ['sh', '-c', 'tty; [ -t 0 ] && echo stdin-is-tty'], { tty: true });
    assert.equal(res.exitCode, 0);
    assert.deepEqual(res.stdout.split(/\r?\n/).filter(Boolean), ['/dev/pts/0', 'stdin-is-tty']);
    const plain = await sb.shim.exec(sb.stateDir, ['sh', '-c', 'tty || true']);
    assert.equal(plain.stdout.trim(), 'not a tty');
  });
});

test('logs rotate by size, keeping the configured number of files', async () => {
  await withSandbox('rotate', async (sb) => {
    await sb.writeSpec({ args: ['sh', '-c', 'i=0; while [ $i -lt 300 ]; do printf "line-%04d-%080d\\n" $i 0; i=$((i+1)); done'] });
    await sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir, logPath: sb.logPath, logMaxSize: 4096, logMaxFiles: 3 });
    assert.equal((await stopped(sb)).exitCode, 0);
    const files = [sb.logPath, `${sb.logPath}.1`, `${sb.logPath}.2`];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      assert.ok(text.length <= 4096, `${f} is ${text.length} bytes`);
      for (const l of text.split('\n').filter(Boolean)) assert.match(l, CRI_LINE);
    }
    assert.equal(existsSync(`${sb.logPath}.3`), false);
    const current = criMessages(await logLines(sb), 'stdout');
    assert.match(current.at(-1)!, /^line-0299-/);
    // Older files hold older lines: .1 ends right where the current file starts.
    const previous = criMessages(readFileSync(`${sb.logPath}.1`, 'utf8').split('\n').filter(Boolean), 'stdout');
    assert.equal(Number(previous.at(-1)!.slice(5, 9)) + 1, Number(current[0].slice(5, 9)));
  });
});
