// Builds an OCI runtime-spec config.json from a simple container description.
// The same bundle runs under our kapstan-shim and under crun/runc.

/** OCI mount entry (also what overlay.ts returns, as containerd's snapshotters do). */
export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciRlimit {
  type: string;
  soft: number;
  hard: number;
}

export interface OciNamespace {
  type: 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'cgroup';
  path?: string;
}

export interface OciCapabilities {
  bounding: string[];
  effective: string[];
  permitted: string[];
  inheritable: string[];
  ambient: string[];
}

export interface OciResources {
  cpu?: { shares?: number; quota?: number; period?: number };
  memory?: { limit?: number; swap?: number };
  pids?: { limit: number };
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: OciCapabilities;
    rlimits?: OciRlimit[];
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  annotations?: Record<string, string>;
  linux: {
    namespaces: OciNamespace[];
    cgroupsPath?: string;
    resources?: OciResources;
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}

/** What a container needs; the pod layer translates Kubernetes fields into this. */
export interface ContainerDescription {
  /** The rootfs directory (usually a mounted overlay). Absolute or relative to the bundle. */
  rootfs: string;
  args: string[];
  env?: string[];
  cwd?: string;
  hostname?: string;
  user?: { uid: number; gid: number; additionalGids?: number[] };
  /** securityContext.capabilities: names with or without the CAP_ prefix, or "ALL". */
  capabilities?: { add?: string[]; drop?: string[] };
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  /** securityContext.allowPrivilegeEscalation: false sets no_new_privs. */
  allowPrivilegeEscalation?: boolean;
  /** Absolute cgroup path below every hierarchy root, e.g. /kapstan/pod-UID/CONTAINER. */
  cgroupsPath?: string;
  resources?: { cpuShares?: number; cpuQuota?: number; cpuPeriod?: number; memoryLimitBytes?: number; pidsLimit?: number };
  /** Namespaces shared with the pod sandbox: join these instead of creating new ones. */
  sharedNamespaces?: { network?: string; ipc?: string; uts?: string };
  /** Extra mounts (volumes), after the defaults. */
  mounts?: OciMount[];
  rlimits?: OciRlimit[];
  /** PID 1 is a reaper that forwards signals (like `docker run --init`). */
  init?: boolean;
}

/** The container runtime default set Kubernetes uses (containerd's and CRI-O's defaults). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability the kernel knows (privileged containers get these). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
].map((c) => `CAP_${c}`);

/** containerd's defaults (oci/spec.go); runc's are the same minus the last two. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

export const DEFAULT_READONLY_PATHS: readonly string[] = [
  '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger',
];

export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Annotation the shim reads to run its reaper as PID 1. */
export const INIT_ANNOTATION = 'io.kapstan.init';

export function defaultMounts(readOnlySys: boolean): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts', type: 'devpts', source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', readOnlySys ? 'ro' : 'rw'] },
    {
      destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', readOnlySys ? 'ro' : 'rw'],
    },
  ];
}

function normalizeCapability(name: string): string {
  const upper = name.toUpperCase();
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

/** Kubernetes' rule: start from the defaults (or all when privileged), drop, then add; "ALL" works in both. */
export function effectiveCapabilities(desc: Pick<ContainerDescription, 'capabilities' | 'privileged'>): string[] {
  if (desc.privileged) return [...ALL_CAPABILITIES];
  const drop = (desc.capabilities?.drop ?? []).map(normalizeCapability);
  const add = (desc.capabilities?.add ?? []).map(normalizeCapability);
  let caps = drop.includes('CAP_ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c));
  if (add.includes('CAP_ALL')) caps = [...ALL_CAPABILITIES];
  for (const c of add) if (c !== 'CAP_ALL' && !caps.includes(c)) caps.push(c);
  return caps;
}

/** sharedNamespaces.network of hostNetwork pods: no network namespace entry, so the container keeps the node's. */
export const HOST_NETWORK = 'host';

function namespaces(shared: ContainerDescription['sharedNamespaces']): OciNamespace[] {
  const ns = (type: OciNamespace['type'], path?: string): OciNamespace => (path ? { type, path } : { type });
  const out = [ns('pid'), ns('mount'), ns('cgroup'), ns('ipc', shared?.ipc), ns('uts', shared?.uts)];
  if (shared?.network !== HOST_NETWORK) out.push(ns('network', shared?.network));
  return out;
}

function resources(r: ContainerDescription['resources']): OciResources | undefined {
  if (!r) return undefined;
  const out: OciResources = {};
  if (r.cpuShares !== undefined || r.cpuQuota !== undefined || r.cpuPeriod !== undefined) {
    out.cpu = { shares: r.cpuShares, quota: r.cpuQuota, period: r.cpuPeriod };
  }
  if (r.memoryLimitBytes !== undefined) {
    // swap == limit: no swap on top of the memory limit, as the kubelet does on cgroup v1.
    out.memory = { limit: r.memoryLimitBytes, swap: r.memoryLimitBytes };
  }
  if (r.pidsLimit !== undefined) out.pids = { limit: r.pidsLimit };
  return out;
}

export function buildOciSpec(desc: ContainerDescription): OciSpec {
  const caps = effectiveCapabilities(desc);
  const env = desc.env ?? [];
  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: desc.user?.uid ?? 0, gid: desc.user?.gid ?? 0, additionalGids: desc.user?.additionalGids },
      args: desc.args,
      env: env.some((e) => e.startsWith('PATH=')) ? env : [DEFAULT_PATH_ENV, ...env],
      cwd: desc.cwd ?? '/',
      // Like containerd: ambient stays empty, so non-root users keep no capabilities across exec.
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      rlimits: desc.rlimits,
      noNewPrivileges: desc.allowPrivilegeEscalation === false,
    },
    root: { path: desc.rootfs, readonly: desc.readOnlyRootFilesystem ?? false },
    hostname: desc.hostname,
    mounts: [...defaultMounts(!desc.privileged), ...(desc.mounts ?? [])],
    linux: {
      namespaces: namespaces(desc.sharedNamespaces),
      cgroupsPath: desc.cgroupsPath,
      resources: resources(desc.resources),
      maskedPaths: desc.privileged ? [] : [...DEFAULT_MASKED_PATHS],
      readonlyPaths: desc.privileged ? [] : [...DEFAULT_READONLY_PATHS],
    },
  };
  if (desc.init) spec.annotations = { [INIT_ANNOTATION]: 'true' };
  return spec;
}

/** Entrypoints that already reap zombies; anything else gets the shim's reaper as PID 1 by default. */
const KNOWN_INITS = new Set(['tini', 'tini-static', 'dumb-init', 'catatonit', 'docker-init', 'init', 'systemd', 's6-svscan', 'runit', 'supervisord']);

export function needsInit(args: readonly string[]): boolean {
  const exe = args[0] ?? '';
  return !KNOWN_INITS.has(exe.slice(exe.lastIndexOf('/') + 1));
}

/** The kubelet's conversion of a CPU request in millicores to cgroup v1 shares. */
export function cpuSharesFromMilli(milli: number): number {
  return Math.max(2, Math.min(262144, Math.floor((milli * 1024) / 1000)));
}

/** The kubelet's conversion of a CPU limit in millicores to a CFS quota for the given period. */
export function cpuQuotaFromMilli(milli: number, periodUs = 100000): number {
  return Math.max(1000, Math.floor((milli * periodUs) / 1000));
}
