// An apiserver on real etcd with the node gRPC endpoint, a busybox image layer, and a data dir for an
// agent; cleanup() kills every container the agent left (by PID), and removes mounts, cgroups and dirs.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../../api/types';
import { startAgent, type AgentOptions, type RunningAgent } from '../../node-agent';
import type { Logger } from '../../node-agent/agent/pod-sync';
import { podUidsUnder, removePodCgroups } from '../harness/cleanup';
import { mountPoints } from '../../node-agent/agent/pod-sandbox';
import { removeCgroup } from '../../node-agent/runtime/cgroups';
import { unmount } from '../../node-agent/runtime/overlay';
import { buildBusyboxRootfs } from '../fixtures/runtime/busybox-rootfs';
import { startNodeTestBed, type NodeTestBed } from '../grpc/node-grpc-testbed';
import { BusyboxImages } from './fixture-images';

export interface AgentTestBed {
  node: NodeTestBed;
  root: string;
  layerDir: string;
  dataDir: string;
  nodeName: string;
  images: BusyboxImages;
  logs: string[];
  log: Logger;
  createPod(name: string, spec: Record<string, unknown>): Promise<KubeObject>;
  getPod(name: string): Promise<KubeObject | null>;
  cleanup(): Promise<void>;
}

/** Whether pid runs; a zombie (exited, waiting for its parent, often the machine's init, to reap it) does not. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Every shim state file under dir (running or not). */
export function shimStatesUnder(dir: string): { stateDir: string; pid: number; monitorPid: number; status: string; cgroupsPath: string }[] {
  const out: { stateDir: string; pid: number; monitorPid: number; status: string; cgroupsPath: string }[] = [];
  const walk = (d: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === 'rootfs' || e.name === 'upper' || e.name === 'work' || e.name === 'sandbox') continue;
      const p = join(d, e.name);
      if (e.isFile() && e.name === 'state.json') {
        try {
          out.push({ stateDir: d, ...JSON.parse(readFileSync(p, 'utf8')) });
        } catch {
          // half-written: ignore
        }
      } else if (e.isDirectory() && depth < 8) walk(p, depth + 1);
    }
  };
  walk(dir, 0);
  return out;
}

/** An agent for the bed's node with quick test timings (extra options override); the bed is cleaned up if it fails. */
export async function startBedAgent(bed: AgentTestBed, extra: Partial<AgentOptions> = {}): Promise<RunningAgent> {
  try {
    const agent = await startAgent({
      server: `https://${bed.node.endpoint}`, token: bed.node.pki.nodeToken, nodeName: bed.nodeName, nodeIp: '127.0.0.1',
      dataDir: bed.dataDir, images: bed.images, log: bed.log,
      heartbeatIntervalMs: 500, relistIntervalMs: 100, retryDelayMs: 200,
      backoff: { initialMs: 400, maxMs: 3_200, resetAfterMs: 600_000 },
      ...extra,
    });
    await agent.synced;
    return agent;
  } catch (err) {
    await bed.cleanup();
    throw err;
  }
}

export async function startAgentTestBed(name: string): Promise<AgentTestBed> {
  const root = await mkdtemp(join(tmpdir(), `kap-agent-${name}-`));
  const layerDir = join(root, 'busybox');
  const logs: string[] = [];
  const line = (level: string) => (msg: string, fields?: Record<string, unknown>) => logs.push(`${level} ${msg} ${fields ? JSON.stringify(fields) : ''}`);
  let node: NodeTestBed | undefined;
  const bed: AgentTestBed = {
    node: undefined as unknown as NodeTestBed,
    root,
    layerDir,
    dataDir: join(root, 'data'),
    nodeName: `kap-node-${name}`,
    images: new BusyboxImages(layerDir),
    logs,
    log: { info: line('info'), warn: line('warn'), error: line('error') },
    async createPod(podName, spec) {
      const { object } = await bed.node.pods.create('default', {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: podName }, spec: { nodeName: bed.nodeName, ...spec },
      });
      return object;
    },
    async getPod(podName) {
      try {
        return await bed.node.pods.get('default', podName);
      } catch {
        return null;
      }
    },
    async cleanup() {
      try {
        const states = shimStatesUnder(bed.dataDir);
        for (const st of states) for (const pid of [st.pid, st.monitorPid]) if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
        for (const st of states) if (st.monitorPid > 0) await waitFor('monitor exit', () => !alive(st.monitorPid), 10_000).catch(() => undefined);
        const mounted = [...mountPoints()].filter((m) => m.startsWith(`${root}/`)).sort((a, b) => b.length - a.length);
        for (const m of mounted) await unmount(m).catch(() => undefined);
        for (const st of states) if (st.cgroupsPath) await removeCgroup(st.cgroupsPath, '/kapstan').catch(() => undefined);
        for (const st of states) {
          const pod = st.cgroupsPath.split('/').slice(0, 3).join('/');
          if (pod.startsWith('/kapstan/pod')) await removeCgroup(pod, '/kapstan').catch(() => undefined);
        }
        // Pods that never got a container (an image or volume failure) have a pod cgroup all the same.
        await removePodCgroups(podUidsUnder(root));
      } finally {
        try {
          await node?.stop();
        } finally {
          await rm(root, { recursive: true, force: true });
        }
      }
    },
  };
  try {
    await buildBusyboxRootfs(layerDir);
    node = await startNodeTestBed();
    bed.node = node;
  } catch (err) {
    await bed.cleanup();
    throw err;
  }
  return bed;
}
