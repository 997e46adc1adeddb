import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ALL_CAPABILITIES, buildOciSpec, cpuQuotaFromMilli, cpuSharesFromMilli, DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS, effectiveCapabilities, INIT_ANNOTATION, needsInit,
} from './oci-spec';

test('defaults: Kubernetes capability set, masked and read-only paths, new namespaces', () => {
  const spec = buildOciSpec({ rootfs: '/r', args: ['sh'] });
  assert.deepEqual(spec.process.capabilities.bounding, [...DEFAULT_CAPABILITIES]);
  assert.deepEqual(spec.process.capabilities.effective, [...DEFAULT_CAPABILITIES]);
  assert.deepEqual(spec.process.capabilities.ambient, []);
  assert.equal(DEFAULT_CAPABILITIES.length, 14);
  assert.ok(spec.linux.maskedPaths.includes('/proc/kcore'));
  assert.ok(spec.linux.readonlyPaths.includes('/proc/sysrq-trigger'));
  assert.deepEqual(spec.linux.namespaces.map((n) => n.type).sort(), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
  assert.ok(spec.linux.namespaces.every((n) => n.path === undefined));
  assert.equal(spec.process.env[0].startsWith('PATH='), true);
  assert.equal(spec.process.noNewPrivileges, false);
  assert.equal(spec.annotations, undefined);
  const sys = spec.mounts.find((m) => m.destination === '/sys');
  assert.ok(sys?.options?.includes('ro'));
  assert.deepEqual(spec.mounts.map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup']);
});

test('capabilities add/drop follow Kubernetes rules, ALL included', () => {
  assert.deepEqual(effectiveCapabilities({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }), ['CAP_NET_BIND_SERVICE']);
  const caps = effectiveCapabilities({ capabilities: { drop: ['CAP_KILL', 'chown'], add: ['SYS_TIME'] } });
  assert.equal(caps.includes('CAP_KILL'), false);
  assert.equal(caps.includes('CAP_CHOWN'), false);
  assert.equal(caps.includes('CAP_SYS_TIME'), true);
  assert.equal(caps.length, 13);
  assert.deepEqual(effectiveCapabilities({ privileged: true }), [...ALL_CAPABILITIES]);
});

test('privileged: all capabilities, nothing masked, /sys writable', () => {
  const spec = buildOciSpec({ rootfs: '/r', args: ['sh'], privileged: true });
  assert.deepEqual(spec.linux.maskedPaths, []);
  assert.deepEqual(spec.linux.readonlyPaths, []);
  assert.ok(spec.mounts.find((m) => m.destination === '/sys')?.options?.includes('rw'));
  assert.ok(DEFAULT_MASKED_PATHS.length > 5);
});

test('pod namespaces are joined by path; resources, user, init and read-only root are carried', () => {
  const spec = buildOciSpec({
    rootfs: 'rootfs',
    args: ['app'],
    env: ['PATH=/app', 'A=1'],
    user: { uid: 1000, gid: 2000, additionalGids: [5] },
    sharedNamespaces: { network: '/proc/42/ns/net', ipc: '/proc/42/ns/ipc', uts: '/proc/42/ns/uts' },
    resources: { cpuShares: cpuSharesFromMilli(250), cpuQuota: cpuQuotaFromMilli(500), cpuPeriod: 100000, memoryLimitBytes: 1 << 26, pidsLimit: 10 },
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    init: true,
    cgroupsPath: '/kapstan/pod/c',
  });
  assert.deepEqual(spec.linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/proc/42/ns/net' });
  assert.deepEqual(spec.linux.namespaces.find((n) => n.type === 'pid'), { type: 'pid' });
  assert.deepEqual(spec.process.env, ['PATH=/app', 'A=1']);
  assert.deepEqual(spec.process.user, { uid: 1000, gid: 2000, additionalGids: [5] });
  assert.deepEqual(spec.linux.resources, {
    cpu: { shares: 256, quota: 50000, period: 100000 },
    memory: { limit: 1 << 26, swap: 1 << 26 },
    pids: { limit: 10 },
  });
  assert.equal(spec.root.readonly, true);
  assert.equal(spec.process.noNewPrivileges, true);
  assert.equal(spec.annotations?.[INIT_ANNOTATION], 'true');
  assert.equal(spec.linux.cgroupsPath, '/kapstan/pod/c');
});

test('CPU conversions match the kubelet', () => {
  assert.equal(cpuSharesFromMilli(0), 2);
  assert.equal(cpuSharesFromMilli(1000), 1024);
  assert.equal(cpuSharesFromMilli(100), 102);
  assert.equal(cpuQuotaFromMilli(1), 1000);
  assert.equal(cpuQuotaFromMilli(1500), 150000);
});

test('init mode is wanted unless the entrypoint is a known init', () => {
  assert.equal(needsInit(['sleep', '300']), true);
  assert.equal(needsInit(['/usr/bin/tini', '--', 'app']), false);
  assert.equal(needsInit(['/sbin/init']), false);
  assert.equal(needsInit([]), true);
});
