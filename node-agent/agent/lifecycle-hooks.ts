// postStart and preStop hooks (pkg/kubelet/lifecycle/handlers.go): exec runs in the container, httpGet
// sends one GET to the pod (any response is success: the kubelet ignores the status code), sleep waits.
// The messages are the kubelet's, since they become FailedPostStartHook/FailedPreStopHook events.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ShimClient } from '../runtime/shim-client';
import { execInContainer } from './probes/exec-action';
import { resolvePort, type ContainerTarget } from './probes/handler-runner';
import { httpGet } from './probes/http-get-action';
import type { Handler } from './probes/probe-types';

export interface HookContext {
  shim: ShimClient;
  target: ContainerTarget;
  container: string;
  /** namespace/name, for messages */
  pod: string;
  /** 0: no limit (postStart); the rest of the grace period for preStop. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Runs the hook; resolves with an error message when it failed, undefined when it succeeded. */
export async function runLifecycleHook(handler: Handler, ctx: HookContext): Promise<string | undefined> {
  const where = `for Container "${ctx.container}" in Pod "${ctx.pod}"`;
  if (handler.exec) {
    const argv = handler.exec.command ?? [];
    try {
      const res = await execInContainer(ctx.shim, ctx.target.stateDir, argv, ctx.timeoutMs, ctx.signal);
      if (res.exitCode === 0) return undefined;
      const error = res.timedOut ? 'command timed out' : `command '${argv.join(' ')}' exited with ${res.exitCode}`;
      return `Exec lifecycle hook (${JSON.stringify(argv)}) ${where} failed - error: ${error}, message: ${JSON.stringify(res.output)}`;
    } catch (err) {
      return `Exec lifecycle hook (${JSON.stringify(argv)}) ${where} failed - error: ${(err as Error).message}, message: ""`;
    }
  }
  if (handler.httpGet) {
    try {
      const port = resolvePort(handler.httpGet.port, ctx.target.ports);
      const res = await httpGet(ctx.target, handler.httpGet, port, ctx.timeoutMs || 2 ** 31 - 1);
      if (res.statusCode !== undefined) return undefined;
      return `HTTP lifecycle hook (${handler.httpGet.path ?? '/'}) ${where} failed - error: ${res.output}`;
    } catch (err) {
      return `HTTP lifecycle hook (${handler.httpGet.path ?? '/'}) ${where} failed - error: ${(err as Error).message}`;
    }
  }
  if (handler.sleep) {
    const ms = handler.sleep.seconds * 1000;
    await sleep(ctx.timeoutMs ? Math.min(ms, ctx.timeoutMs) : ms, undefined, { signal: ctx.signal }).catch(() => undefined);
    return undefined;
  }
  return `Cannot run handler ${where}: only exec, httpGet and sleep are supported as lifecycle handlers`;
}
