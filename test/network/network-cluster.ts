// A NetnsCluster (test/harness/netns-cluster.ts) ready for network tests: a
// server machine (10.250.0.10) and N node machines (10.250.0.11, …), each
// agent with busybox:1.35 in its image store and the server machine as its
// only upstream resolver (nothing answers DNS there, so forwarded names fail
// at once and never leave the segment). Pods are busybox containers pinned to
// a node; their network namespace is reachable from the test for probes.
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { NetnsCluster, type KapstanProcess, type Machine, type ServerEndpoint } from '../harness/netns-cluster';
import { request } from '../harness/http';
import { ImageService } from '../../node-agent/images/image-service';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface NetworkNode {
  name: string;
  machine: Machine;
  agent: KapstanProcess;
}

export interface NetworkCluster {
  cluster: NetnsCluster;
  api: ServerEndpoint;
  server: KapstanProcess;
  serverMachine: Machine;
  nodes: NetworkNode[];
}

export interface RunningPod {
  name: string;
  uid: string;
  ip: string;
  node: NetworkNode;
  /** The pod's network namespace (its sandbox), for nsenter --net. */
  netns: string;
}

export interface NetworkClusterOptions {
  /** Machines wired by the caller (another topology than one segment); default: cluster.machine(). */
  machines?: { server: Machine; nodes: Machine[] };
  /** Extra `kapstan agent` flags. */
  agentArgs?: string[];
  /** Extra `kapstan server` flags. */
  serverArgs?: string[];
}

/** Starts the server and `count` agents (call cluster.cleanup() in finally, also when this throws). */
export async function startNetworkCluster(cluster: NetnsCluster, count: number, opts: NetworkClusterOptions = {}): Promise<NetworkCluster> {
  const serverMachine = opts.machines?.server ?? cluster.machine('s', '10.250.0.10');
  const resolvConf = join(cluster.dir, 'node-resolv.conf');
  writeFileSync(resolvConf, `nameserver ${serverMachine.ip}\n`);
  const server = await cluster.startServer(serverMachine, { args: opts.serverArgs });
  const api = await cluster.api(server);
  const token = cluster.nodeToken(server);
  const layout = join(cluster.dir, 'busybox-oci');
  await run(process.execPath, [join(ROOT, 'scripts', 'images-base.mjs'), '--out', layout], { timeout: 300_000 });
  const nodes: NetworkNode[] = [];
  for (let i = 1; i <= count; i++) {
    const machine = opts.machines?.nodes[i - 1] ?? cluster.machine(`n${i}`, `10.250.0.${10 + i}`);
    const dataDir = join(cluster.dir, `${machine.name}-agent`);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const images = new ImageService({ root: join(dataDir, 'images') });
    for (const tag of ['busybox:1.35', 'busybox:latest']) await images.importImage(layout, tag);
    const agent = await cluster.startAgent(machine, `https://${serverMachine.ip}:6443`, token, { dataDir, args: ['--resolv-conf', resolvConf, ...(opts.agentArgs ?? [])] });
    nodes.push({ name: `kap-${machine.name}`, machine, agent });
  }
  for (const n of nodes) await cluster.waitNodeReady(api, n.name);
  return { cluster, api, server, serverMachine, nodes };
}

/** Creates (or replaces nothing: fails on conflict) any object through the API; rejects on a non-2xx answer. */
export async function create(api: ServerEndpoint, path: string, body: unknown): Promise<any> {
  const res = await request(api, 'POST', path, { body });
  if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return res.body;
}

/** A busybox pod on a node running `sh -c script`; resolves once it runs with an IP. */
export async function startPod(net: NetworkCluster, node: NetworkNode, name: string, script: string, labels: Record<string, string> = {}): Promise<RunningPod> {
  await create(net.api, '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, labels },
    spec: {
      nodeName: node.name,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'busybox:1.35', command: ['sh', '-c', script] }],
    },
  });
  return waitPodRunning(net, node, name);
}

export async function waitPodRunning(net: NetworkCluster, node: NetworkNode, name: string, timeoutMs = 60_000): Promise<RunningPod> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const res = await request(net.api, 'GET', `/api/v1/namespaces/default/pods/${name}`);
    const pod = res.body;
    if (pod?.status?.phase === 'Running' && pod.status.podIP) {
      return { name, uid: pod.metadata.uid, ip: pod.status.podIP, node, netns: join(node.agent.dataDir, 'pods', pod.metadata.uid, 'sandbox', 'net') };
    }
    last = JSON.stringify(pod?.status ?? res.text).slice(0, 500);
    await sleep(200);
  }
  throw new Error(`pod ${name} not running within ${timeoutMs} ms: ${last}`);
}

/** The pod's log (kubectl logs), through the apiserver and the agent's tunnel. */
export async function podLog(net: NetworkCluster, name: string): Promise<string> {
  const res = await request(net.api, 'GET', `/api/v1/namespaces/default/pods/${name}/log`);
  return res.status === 200 ? res.text : '';
}

/** Polls until probe returns a value; rejects with the last error after timeoutMs. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${what}${last ? ` (${(last as Error).message})` : ''}`);
    await sleep(200);
  }
}

/** Runs argv inside a network namespace (a machine's or a pod's). */
export async function inNetns(netns: string, argv: string[], timeoutMs = 10_000): Promise<string> {
  const { stdout } = await run('nsenter', [`--net=${netns}`, '--', ...argv], { timeout: timeoutMs });
  return stdout;
}
