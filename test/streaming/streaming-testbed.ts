// A real etcd + apiserver + node gRPC endpoint, one registered node whose
// agent side runs the streaming tunnel over a temp pods directory, and
// helpers to write CRI logs, create pods and run the machine's kubectl.
import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../api/types';
import { writeAdminKubeconfig } from '../../apiserver/pki';
import { RestClient } from '../../client/rest-client';
import { startStreamingTunnel, type StreamingTunnel } from '../../node-agent/agent/streaming/streaming-tunnel';
import { ShimClient } from '../../node-agent/runtime/shim-client';
import { startNodeTestBed, type NodeTestBed } from '../grpc/node-grpc-testbed';

export interface StreamingTestBed {
  bed: NodeTestBed;
  nodeName: string;
  podsDir: string;
  home: string;
  kubeconfig: string;
  rest: RestClient;
  tunnel: StreamingTunnel;
  /** Creates a pod with the given containers, bound to the node. */
  createPod(name: string, containers?: string[]): Promise<KubeObject>;
  /** Appends CRI lines to PODS/<uid>/containers/<c>/<attempt>/container.log. */
  appendLog(pod: KubeObject, container: string, attempt: number, lines: string[]): Promise<string>;
  kubectl(args: string[], opts?: { input?: string }): Promise<{ stdout: string; stderr: string; code: number }>;
  stop(): Promise<void>;
}

export async function startStreamingTestBed(name: string): Promise<StreamingTestBed> {
  const bed = await startNodeTestBed();
  const home = await mkdtemp(join(tmpdir(), `kap-${name}-`));
  let tunnel: StreamingTunnel | undefined;
  const rest = new RestClient({ server: bed.api.url, caPem: bed.api.caPem, token: bed.api.token });
  try {
    const nodeName = `kap-${name}-node`;
    const client = await bed.registeredNode(nodeName);
    const podsDir = join(home, 'pods');
    await mkdir(podsDir);
    tunnel = startStreamingTunnel({ client, podsDir, shim: new ShimClient(), logPollIntervalMs: 50 });
    await tunnel.whenConnected();
    const kubeconfig = writeAdminKubeconfig(home, bed.api.url, bed.api.caPem, bed.api.token);
    const t: StreamingTestBed = {
      bed,
      nodeName,
      podsDir,
      home,
      kubeconfig,
      rest,
      tunnel,
      async createPod(podName, containers = ['main']) {
        const { object } = await bed.pods.create('default', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: podName },
          spec: { nodeName, containers: containers.map((c) => ({ name: c, image: 'busybox:1.35' })) },
        });
        return object;
      },
      async appendLog(pod, container, attempt, lines) {
        const dir = join(podsDir, pod.metadata.uid!, 'containers', container, String(attempt));
        await mkdir(dir, { recursive: true });
        const path = join(dir, 'container.log');
        await appendFile(path, lines.map((l) => `${l}\n`).join(''));
        return path;
      },
      kubectl(args, opts = {}) {
        return new Promise((resolve) => {
          const child = execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: home }, timeout: 60_000 }, (err, stdout, stderr) => {
            const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
            resolve({ stdout, stderr, code });
          });
          if (opts.input !== undefined) child.stdin?.end(opts.input);
          else child.stdin?.end();
        });
      },
      async stop() {
        rest.close();
        try {
          await tunnel?.stop();
          await bed.stop();
        } finally {
          await rm(home, { recursive: true, force: true });
        }
      },
    };
    return t;
  } catch (err) {
    rest.close();
    await tunnel?.stop();
    await bed.stop();
    await rm(home, { recursive: true, force: true });
    throw err;
  }
}

/** A CRI log line at `time` (an ISO string) on stdout with the F tag. */
export function criLine(time: string, text: string, stream: 'stdout' | 'stderr' = 'stdout', tag: 'F' | 'P' = 'F'): string {
  return `${time.replace(/Z$/, '000000Z')} ${stream} ${tag} ${text}`;
}
