// The servers a node agent may talk to, as a gRPC target whose addresses can
// change while channels use it: `kapstan-servers:///<id>` resolves (through a
// resolver registered with grpc-js) to this list. pick_first keeps to one
// server and moves to the next when it goes away; servers learned later (the
// `kubernetes` Endpoints) join the list without a new channel.
import * as grpc from '@grpc/grpc-js';
import { isIP } from 'node:net';

export const SERVER_LIST_SCHEME = 'kapstan-servers';

interface HostPort { host: string; port: number }

type Listener = (endpoints: { ok: true; value: { addresses: HostPort[] }[] }, attributes: Record<string, unknown>, serviceConfig: null, note: string) => boolean;

const lists = new Map<string, ServerList>();
let nextId = 0;
let registered = false;

class ServerListResolver {
  private readonly list: ServerList | undefined;
  /** The list version last handed to the channel: re-publishing an unchanged list would loop, */
  /** as the channel asks again whenever every address fails. */
  private published = -1;
  constructor(target: { path: string }, private readonly listener: Listener) {
    this.list = lists.get(target.path.replace(/^\/+/, ''));
    this.list?.resolvers.add(this);
  }

  updateResolution(): void {
    this.list?.resolvers.add(this); // again, after a destroy()
    const version = this.list?.version ?? 0;
    if (version === this.published) return;
    this.published = version;
    // Never synchronously, as grpc-js asks of resolvers.
    process.nextTick(() => this.publish());
  }

  private publish(): void {
    const endpoints = (this.list?.endpoints ?? []).map((e) => ({ addresses: [e] }));
    this.listener({ ok: true, value: endpoints }, {}, null, '');
  }

  destroy(): void {
    this.list?.resolvers.delete(this);
    this.published = -1;
  }

  static getDefaultAuthority(): string {
    // Every server's certificate names `kubernetes` (and the CA is pinned).
    return 'kubernetes';
  }
}

/** host:port with an IP literal host ("10.0.0.1:6444", "[fd00::1]:6444"), or undefined. */
export function parseIpEndpoint(text: string): HostPort | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text.trim());
  if (!m || !isIP(m[1])) return undefined;
  return { host: m[1], port: Number(m[2]) };
}

export class ServerList {
  readonly id = `list-${process.pid}-${nextId++}`;
  readonly resolvers = new Set<ServerListResolver>();
  private list: HostPort[] = [];
  /** Bumped on every change. */
  version = 0;

  /** `endpoints`: host:port with IP addresses (the servers' node gRPC endpoints). */
  constructor(endpoints: string[]) {
    if (!registered) {
      grpc.experimental.registerResolver(SERVER_LIST_SCHEME, ServerListResolver as unknown as Parameters<typeof grpc.experimental.registerResolver>[1]);
      registered = true;
    }
    this.set(endpoints);
    lists.set(this.id, this);
  }

  get target(): string {
    return `${SERVER_LIST_SCHEME}:///${this.id}`;
  }

  get endpoints(): HostPort[] {
    return this.list;
  }

  /** Replaces the list (order kept, duplicates dropped); returns whether it changed. */
  set(endpoints: string[]): boolean {
    const parsed: HostPort[] = [];
    for (const e of endpoints) {
      const hp = parseIpEndpoint(e);
      if (!hp) throw new Error(`a server list holds IP addresses with ports, not "${e}"`);
      if (!parsed.some((p) => p.host === hp.host && p.port === hp.port)) parsed.push(hp);
    }
    const same = parsed.length === this.list.length && parsed.every((p, i) => p.host === this.list[i].host && p.port === this.list[i].port);
    if (same) return false;
    this.list = parsed;
    this.version++;
    for (const r of this.resolvers) r.updateResolution();
    return true;
  }

  toString(): string {
    return this.list.map((e) => (e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`)).join(',');
  }

  close(): void {
    lists.delete(this.id);
  }
}
