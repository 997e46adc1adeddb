// The pod's shared namespaces without a pause process: `unshare --net=F --ipc=F --uts=F` creates them
// and bind-mounts them on files in the pod's directory (as `ip netns add` does), so they live as long as
// those mounts, whatever happens to any container. Every container joins them by path
// (linux.namespaces[].path); the UTS namespace gets the pod's hostname once, here. hostNetwork pods get no
// network namespace (their containers stay in the node's) but still their own IPC and UTS namespaces: the
// hostname is the node's name there, and a pod can never rename the machine.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execOffThread } from '../runtime/exec-off-thread';

const run = promisify(execFile);

export const SANDBOX_NAMESPACES = ['net', 'ipc', 'uts'] as const;
export type SandboxNamespace = (typeof SANDBOX_NAMESPACES)[number];

export type SandboxPaths = Record<SandboxNamespace, string>;

export function sandboxPaths(sandboxDir: string): SandboxPaths {
  return { net: join(sandboxDir, 'net'), ipc: join(sandboxDir, 'ipc'), uts: join(sandboxDir, 'uts') };
}

/** Mount points currently in the agent's mount namespace (octal escapes decoded). */
export function mountPoints(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): Set<string> {
  const points = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field) points.add(field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  }
  return points;
}

/** statfs(2) f_type of nsfs: what a bind-mounted namespace file reports (an unmounted one is on the data dir's fs). */
const NSFS_MAGIC = 0x6e736673;

async function isNamespaceMount(path: string): Promise<boolean> {
  return statfs(path).then((st) => st.type === NSFS_MAGIC, () => false);
}

/** A Linux hostname is at most 64 bytes; Kubernetes cuts pod names to 63. */
export function podHostname(podName: string): string {
  return podName.slice(0, 63).replace(/[-.]+$/, '');
}

/**
 * Creates the namespaces unless all three are already there (idempotent, also after an agent restart);
 * created says they are new (a network set up for earlier ones is gone).
 */
export async function ensureSandbox(sandboxDir: string, hostname: string, hostNetwork = false): Promise<SandboxPaths & { created: boolean }> {
  const paths = sandboxPaths(sandboxDir);
  const wanted = SANDBOX_NAMESPACES.filter((ns) => !(hostNetwork && ns === 'net'));
  // statfs of each file, not /proc/self/mountinfo: that file grows with every pod's mounts and is
  // read at every sync of every pod.
  if ((await Promise.all(wanted.map((ns) => isNamespaceMount(paths[ns])))).every(Boolean)) return { ...paths, created: false };
  await removeSandbox(sandboxDir); // a half-made sandbox from an interrupted attempt
  await mkdir(sandboxDir, { recursive: true });
  for (const ns of wanted) await writeFile(paths[ns], '');
  // Inside the new namespaces: set the hostname, and bring loopback up (best effort without iproute2).
  const script = hostNetwork ? 'hostname "$1"' : 'hostname "$1" && { ip link set lo up 2>/dev/null || true; }';
  // Once per pod: from the exec worker, so the fork does not block the agent's event loop.
  await execOffThread('unshare', [...wanted.map((ns) => `--${ns}=${paths[ns]}`), 'sh', '-c', script, 'sh', hostname]);
  return { ...paths, created: true };
}

export async function removeSandbox(sandboxDir: string): Promise<void> {
  const paths = sandboxPaths(sandboxDir);
  const mounted = mountPoints();
  const targets = SANDBOX_NAMESPACES.map((ns) => paths[ns]).filter((p) => mounted.has(p));
  if (targets.length) await run('umount', targets); // one process for all of them
  if (existsSync(sandboxDir)) await rm(sandboxDir, { recursive: true, force: true });
}
