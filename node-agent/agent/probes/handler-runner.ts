// Runs one probe handler (exec, httpGet, tcpSocket) against a container and words the outcome as the
// kubelet's prober does. An "error" outcome (a named port that does not exist, a container the shim
// cannot enter) is thrown away by the worker instead of counting as a failure.
import type { ShimClient } from '../../runtime/shim-client';
import { execInContainer } from './exec-action';
import { httpGet } from './http-get-action';
import { defaultHost, DialError, dialPod, type PodEndpoint } from './pod-connection';
import type { ContainerPort, Handler } from './probe-types';

export interface HandlerOutcome {
  /** skipped: the container was no longer running, so nothing was probed (and nothing is recorded). */
  kind: 'success' | 'warning' | 'failure' | 'error' | 'skipped';
  output: string;
}

/** What a handler needs of its container: where to exec, how to reach it, its named ports. */
export interface ContainerTarget extends PodEndpoint {
  /** The running attempt's shim state directory. */
  stateDir: string;
  ports: ContainerPort[];
}

/** A numeric port, a numeric string, or the name of one of the container's ports. */
export function resolvePort(port: number | string, ports: ContainerPort[]): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const found = ports.find((p) => p.name === port);
  if (!found) throw new Error(`couldn't find port: ${port} in container`);
  return found.containerPort;
}

export async function runProbeHandler(shim: ShimClient, handler: Handler, target: ContainerTarget, timeoutMs: number): Promise<HandlerOutcome> {
  try {
    if (handler.exec) {
      const argv = handler.exec.command ?? [];
      const res = await execInContainer(shim, target.stateDir, argv, timeoutMs);
      if (res.timedOut) return { kind: 'failure', output: `command ${JSON.stringify(argv.join(' '))} timed out` };
      return { kind: res.exitCode === 0 ? 'success' : 'failure', output: res.output };
    }
    if (handler.httpGet) {
      const port = resolvePort(handler.httpGet.port, target.ports);
      return await httpGet(target, handler.httpGet, port, timeoutMs);
    }
    if (handler.tcpSocket) {
      const port = resolvePort(handler.tcpSocket.port, target.ports);
      const host = handler.tcpSocket.host || defaultHost(target);
      try {
        (await dialPod(target, host, port, timeoutMs)).destroy();
        return { kind: 'success', output: '' };
      } catch (err) {
        if (err instanceof DialError) return { kind: 'failure', output: err.message };
        throw err;
      }
    }
    return { kind: 'error', output: 'unsupported probe handler (only exec, httpGet and tcpSocket are implemented)' };
  } catch (err) {
    return { kind: 'error', output: (err as Error).message };
  }
}
