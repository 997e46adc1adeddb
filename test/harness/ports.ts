import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';

// Servers under test often take a second port next to the given one (the node
// gRPC port is the API port + 1, the managed etcd's peer port is its client
// port + 1). Ports handed out here therefore come from below the kernel's
// ephemeral range (which outgoing connections draw from at any moment) and
// have their neighbour free as well.

function ephemeralStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isFinite(first) && first > 12000 ? first : 32768;
  } catch {
    return 32768;
  }
}

function bind(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

function release(srv: Server | undefined): Promise<void> {
  return new Promise((resolve) => (srv ? srv.close(() => resolve()) : resolve()));
}

/** A free TCP port on loopback whose next port is free too; both are released before returning. */
export async function freePort(): Promise<number> {
  const low = 10000;
  const high = ephemeralStart() - 2;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    const first = await bind(port);
    if (!first) continue;
    const second = await bind(port + 1);
    await release(first);
    await release(second);
    if (second) return port;
  }
  throw new Error('no free pair of loopback ports found');
}
