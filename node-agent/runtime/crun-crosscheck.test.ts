// The same bundle under kapstan-shim and under crun: the process must see the same world.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createSandbox, waitFor, type Sandbox } from '../../test/fixtures/runtime/container-sandbox';
import { detectCgroupVersion } from './cgroups';
import { readShimState } from './shim-client';

const run = promisify(execFile);
const CRUN = '/usr/bin/crun';

/** What the process reports about itself, section by section. */
const REPORT_SCRIPT = [
  'for ns in pid mnt uts ipc net cgroup; do echo "ns $ns $(readlink /proc/self/ns/$ns)"; done',
  'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status | sed "s/^/cap /"',
  'echo "user $(id -u) $(id -g) $(id -G)"',
  'echo "nnp $(grep NoNewPrivs /proc/self/status | cut -f2)"',
  'echo "hostname $(hostname)"',
  'echo "dev $(stat -c "%n %F %t:%T" /dev/null /dev/zero /dev/urandom /dev/tty | tr "\\n" " ")"',
  'echo "memlimit $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null)"',
  'echo "pidslimit $(cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null)"',
  'echo "cgroup $( (grep :memory: /proc/self/cgroup || grep ^0:: /proc/self/cgroup) | cut -d: -f3)"',
  'echo "kcore $(wc -c < /proc/kcore)"',
  'sed "s/^/mount /" /proc/self/mountinfo',
].join('; ');

interface Report {
  lines: Map<string, string[]>;
}

function parseReport(text: string): Report {
  const lines = new Map<string, string[]>();
  for (const line of text.split('\n').filter(Boolean)) {
    const [key, ...rest] = line.split(' ');
    lines.set(key, [...(lines.get(key) ?? []), rest.join(' ')]);
  }
  return { lines };
}

/** mountinfo → "mountpoint fstype ro|rw", skipping device binds (crun mknods them instead). */
function mountShape(report: Report): string[] {
  return (report.lines.get('mount') ?? [])
    .map((l) => {
      const [left, right] = l.split(' - ');
      const f = left.split(' ');
      return `${f[4]} ${right.split(' ')[0]} ${f[5].split(',')[0]}`;
    })
    .filter((m) => !/^\/dev\/(null|zero|full|random|urandom|tty) /.test(m))
    .sort();
}

async function hostNamespaces(): Promise<Map<string, string>> {
  const { stdout } = await run('sh', ['-c', 'for ns in pid mnt uts ipc net cgroup; do echo "$ns $(readlink /proc/self/ns/$ns)"; done']);
  return new Map(stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]));
}

async function runUnderShim(sb: Sandbox): Promise<Report> {
  await sb.shim.create({ bundle: sb.bundleDir, id: sb.id, stateDir: sb.stateDir, logPath: sb.logPath });
  const st = await waitFor('shim container to stop', async () => {
    const s = await readShimState(sb.stateDir);
    return s?.status === 'stopped' ? s : null;
  });
  assert.equal(st.exitCode, 0);
  const log = await readFile(sb.logPath, 'utf8');
  const stdout = log.split('\n').filter((l) => l.includes(' stdout F ')).map((l) => l.split(' stdout F ')[1]);
  await sb.shim.delete(sb.stateDir);
  await rm(sb.logPath, { force: true });
  return parseReport(stdout.join('\n'));
}

/**
 * crun refuses "hybrid" hosts whose /sys/fs/cgroup/unified still has controllers (hugetlb here).
 * In a private mount namespace of the test's own we hide that mount, so crun sees plain cgroup v1,
 * which is also all that kapstan-shim uses on such a host.
 */
function crunCommand(args: string[]): [string, string[]] {
  const unified = '/sys/fs/cgroup/unified';
  if (detectCgroupVersion() === 'v2' || !existsSync(join(unified, 'cgroup.controllers'))) return [CRUN, args];
  const quoted = [CRUN, ...args].map((a) => `'${a}'`).join(' ');
  return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `umount ${unified} && exec ${quoted}`]];
}

async function runUnderCrun(sb: Sandbox): Promise<Report> {
  const root = join(sb.root, 'crun-state');
  try {
    const [cmd, args] = crunCommand(['--root', root, 'run', '--bundle', sb.bundleDir, `${sb.id}-crun`]);
    const { stdout } = await run(cmd, args, { timeout: 60000 });
    return parseReport(stdout);
  } finally {
    const [cmd, args] = crunCommand(['--root', root, 'delete', '--force', `${sb.id}-crun`]);
    await run(cmd, args).catch(() => undefined);
  }
}

const users = [
  { name: 'root', user: { uid: 0, gid: 0 } },
  { name: 'non-root', user: { uid: 1000, gid: 1000, additionalGids: [5, 100] } },
];

for (const { name, user } of users) {
  test(`crun and kapstan-shim agree on what a ${name} process sees`, { skip: !existsSync(CRUN) && 'apt-get install -y crun' }, async () => {
    const sb = await createSandbox(`cross-${name}`);
    try {
      await sb.writeSpec({
        args: ['sh', '-c', REPORT_SCRIPT],
        hostname: 'kap-cross',
        user,
        allowPrivilegeEscalation: false,
        resources: { memoryLimitBytes: 96 * 1024 * 1024, pidsLimit: 64, cpuShares: 512 },
      });
      const ours = await runUnderShim(sb);
      const theirs = await runUnderCrun(sb);
      const host = await hostNamespaces();

      for (const [key, label] of [['ns', 'namespaces'], ['cap', 'capabilities']] as const) {
        const o = ours.lines.get(key) ?? [];
        assert.ok(o.length > 0, `no ${label} in our report`);
        if (key === 'ns') {
          for (const entry of [...o, ...(theirs.lines.get(key) ?? [])]) {
            const [type, id] = entry.split(' ');
            assert.notEqual(id, host.get(type), `${type} namespace is the host's: ${entry}`);
          }
        } else {
          assert.deepEqual(o, theirs.lines.get(key), label);
        }
      }
      for (const key of ['user', 'nnp', 'hostname', 'dev', 'memlimit', 'pidslimit', 'cgroup', 'kcore']) {
        assert.deepEqual(ours.lines.get(key), theirs.lines.get(key), key);
      }
      assert.deepEqual(ours.lines.get('memlimit'), [String(96 * 1024 * 1024)]);
      assert.deepEqual(ours.lines.get('user'), [user.uid === 0 ? '0 0 0' : '1000 1000 1000 5 100']);
      assert.deepEqual(mountShape(ours), mountShape(theirs));
      if (detectCgroupVersion() === 'v1') assert.ok(mountShape(ours).some((m) => m.startsWith('/sys/fs/cgroup/memory cgroup ro')));
    } finally {
      await sb.cleanup();
    }
  });
}
