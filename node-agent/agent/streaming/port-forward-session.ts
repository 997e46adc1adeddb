// Serves one port-forwarded connection: dials localhost:PORT inside the
// pod's network namespace (as containerd's CRI PortForward does, so a server
// bound to 127.0.0.1 in the pod is reachable too) through `kapstan-shim
// connect`, then relays bytes and half-closes over the PortForwardSession call.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { PortForwardFrame } from '../../../proto/generated/node';
import { sandboxPaths } from '../pod-sandbox';
import { dialPod } from '../probes/pod-connection';

export interface PortForwardTarget {
  podsDir: string;
  podUid: string;
  pod: string;
  namespace: string;
  port: number;
  shimBinary: string;
}

/** How long the dial inside the pod may take. */
const DIAL_TIMEOUT_MS = 10_000;
const EMPTY = Buffer.alloc(0);

function frame(fields: Partial<PortForwardFrame>): PortForwardFrame {
  return { requestId: '', data: EMPTY, dataEnd: false, ...fields };
}

/** The kubelet's wording: `error forwarding port P to pod ID, uid : <runtime error>`. */
export function forwardingError(target: Pick<PortForwardTarget, 'podUid' | 'port'>, cause: string): string {
  return `error forwarding port ${target.port} to pod ${target.podUid}, uid : ${cause}`;
}

/** Answers the request on an opened call; resolves when the connection is over. */
export async function servePortForward(call: ClientDuplexStream<PortForwardFrame, PortForwardFrame>, requestId: string, target: PortForwardTarget): Promise<void> {
  const netnsPath = sandboxPaths(join(target.podsDir, target.podUid, 'sandbox')).net;
  let conn: Duplex;
  try {
    if (!target.podUid || !existsSync(netnsPath)) throw new Error(`pod sandbox of ${target.namespace}/${target.pod} not found: the pod is not running on this node`);
    conn = await dialPod({ netnsPath, shimBinary: target.shimBinary }, '127.0.0.1', target.port, DIAL_TIMEOUT_MS);
  } catch (err) {
    const cause = `failed to execute portforward in network namespace "${netnsPath}": failed to connect to localhost:${target.port} inside namespace "${target.podUid}": ${(err as Error).message}`;
    const message = existsSync(netnsPath) ? cause : (err as Error).message;
    call.write(frame({ requestId, error: { reason: 'BadRequest', message: forwardingError(target, message) } }));
    call.end();
    return;
  }
  call.write(frame({ requestId }));
  await relay(call, conn);
}

/** Pod → call until the pod's side ends; call → pod until the client half-closes. */
function relay(call: ClientDuplexStream<PortForwardFrame, PortForwardFrame>, conn: Duplex): Promise<void> {
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      conn.destroy();
      call.end();
      resolve();
    };
    conn.on('data', (data: Buffer) => {
      if (!call.write(frame({ data }))) {
        conn.pause();
        call.once('drain', () => conn.resume());
      }
    });
    // The pod closed its side: the client gets EOF; the connection is over (kubectl stops there too).
    conn.on('end', () => {
      if (!finished) call.write(frame({ dataEnd: true }));
      finish();
    });
    conn.on('error', finish);
    conn.on('close', finish);
    call.on('data', (f: PortForwardFrame) => {
      if (f.data.length && !conn.write(f.data)) {
        call.pause();
        conn.once('drain', () => call.resume());
      }
      if (f.dataEnd) conn.end();
    });
    // The server ended or cancelled the session (the client went away).
    call.on('end', finish);
    call.on('error', finish);
    call.on('close', finish);
  });
}
