// The servers an agent talks to: those given (--server, repeatable or a comma
// list), plus those it learns from the cluster: every server publishes itself
// in the `kubernetes` Endpoints of `default` (apiserver-endpoints.ts), which
// reaches the agent with the Services it proxies. Learned servers are kept
// in DATA/servers.json for the next start, and join the live gRPC channel's
// address list at once (client/server-list.ts), so an agent given one server
// still fails over to the others.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServerList, parseIpEndpoint } from '../../client/server-list';
import type { ServiceObject, EndpointsObject } from '../../node-agent/network/service-rules';
import { agentEndpoint } from './agent';

type ServicesSink = { sync(services: ServiceObject[], endpoints: EndpointsObject[]): Promise<boolean> };

export interface AgentServers {
  /** What the agent connects to: a ServerList target, or the given endpoint(s) as they are. */
  target: string;
  /** Passes Services/Endpoints on to `sink`, learning servers from default/kubernetes on the way. */
  learnFrom(sink: ServicesSink): ServicesSink;
}

export function agentServers(opts: { server: string; agentPort?: string; dataDir: string; log(msg: string): void }): AgentServers {
  const given = agentEndpoint(opts.server, opts.agentPort).split(',');
  const file = join(opts.dataDir, 'servers.json');
  const saved = readSaved(file);
  // Only IP addresses can be listed (a host name stays a single, DNS-resolved target).
  if (!given.every((e) => parseIpEndpoint(e))) return { target: given.join(','), learnFrom: (sink) => sink };
  const list = new ServerList([...given, ...saved]);
  if (saved.length) opts.log(`servers: ${list} (learned ones from ${file})`);
  return {
    target: list.target,
    learnFrom: (sink) => ({
      sync(services, endpoints) {
        const learned = kubernetesEndpoints(endpoints, opts.agentPort);
        if (learned && list.set([...given, ...learned])) {
          opts.log(`servers: ${list} (learned from the kubernetes Endpoints)`);
          try {
            writeFileSync(file, JSON.stringify(learned) + '\n');
          } catch (err) {
            opts.log(`cannot save ${file}: ${(err as Error).message}`);
          }
        }
        return sink.sync(services, endpoints);
      },
    }),
  };
}

/** The servers' node endpoints (API port + 1 unless --agent-port) from default/kubernetes, if published. */
export function kubernetesEndpoints(endpoints: EndpointsObject[], agentPort?: string): string[] | undefined {
  const ep = endpoints.find((e) => e.metadata.namespace === 'default' && e.metadata.name === 'kubernetes');
  const out: string[] = [];
  for (const subset of ep?.subsets ?? []) {
    const https = subset.ports?.find((p) => p.name === 'https') ?? subset.ports?.[0];
    if (!https) continue;
    const port = agentPort ? Number(agentPort) : https.port + 1;
    for (const a of subset.addresses ?? []) out.push(a.ip.includes(':') ? `[${a.ip}]:${port}` : `${a.ip}:${port}`);
  }
  return out.length ? out : undefined;
}

function readSaved(file: string): string[] {
  if (!existsSync(file)) return [];
  try {
    const list = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(list) ? list.filter((e): e is string => typeof e === 'string' && parseIpEndpoint(e) !== undefined) : [];
  } catch {
    return [];
  }
}
