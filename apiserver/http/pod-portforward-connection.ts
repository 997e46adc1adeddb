// One forwarded TCP connection: a PORT_FORWARD request pushed to the pod's
// agent and its PortForwardSession call, seen by the client protocol (SPDY
// streams or WebSocket channels) as a byte pipe with half-close and one error.
import type { PortForwardFrame } from '../../proto/generated/node';
import type { PortForwardAnswer, TunnelHub } from '../grpc/streaming/tunnel-hub';
import type { StreamTarget } from '../grpc/streaming/stream-target';

/** Where the pod's side goes. */
export interface ForwardPeer {
  /** Bytes from the pod; false asks to slow down until `drained` is called back. */
  data(data: Buffer, drained: () => void): boolean;
  /** The pod's side is finished (EOF or the session ended); called once, after any error. */
  end(): void;
  /** The connection failed; the message is the kubelet-style text kubectl prints. */
  error(message: string): void;
}

export interface ForwardedConnection {
  /**
   * Client bytes to the pod (queued until the agent has connected). False when
   * the agent's call is full: stop reading the client until `resume` is called.
   */
  write(data: Buffer, resume: () => void): boolean;
  /** The client half-closed. */
  endInput(): void;
  /** The client went away: stop everything. */
  close(): void;
}

const EMPTY = Buffer.alloc(0);

function frame(fields: Partial<PortForwardFrame>): PortForwardFrame {
  return { requestId: '', data: EMPTY, dataEnd: false, ...fields };
}

export function forwardConnection(hub: TunnelHub, target: StreamTarget, port: number, peer: ForwardPeer): ForwardedConnection {
  let call: PortForwardAnswer['call'] | undefined;
  let queued: Buffer[] = [];
  let inputEnded = false;
  let finished = false;
  let waiting: (() => void) | undefined;
  const resumeInput = () => {
    const resume = waiting;
    waiting = undefined;
    resume?.();
  };
  const finish = (error?: string) => {
    if (finished) return;
    finished = true;
    resumeInput();
    if (error) peer.error(error);
    peer.end();
    call?.end();
  };

  let pushed: ReturnType<TunnelHub['pushPortForward']>;
  try {
    pushed = hub.pushPortForward(target.nodeName, { namespace: target.namespace, pod: target.pod, podUid: target.podUid, container: '', port });
  } catch (err) {
    queueMicrotask(() => finish((err as Error).message));
    return { write: () => true, endInput: () => undefined, close: () => undefined };
  }
  pushed.answer.then(
    (answer) => {
      if (finished) {
        answer.call.end();
        return;
      }
      if (answer.first.error) {
        answer.call.end();
        finish(answer.first.error.message);
        return;
      }
      call = answer.call;
      call.on('data', (f: PortForwardFrame) => {
        if (f.data.length && !peer.data(f.data, () => call?.resume())) call?.pause();
        if (f.dataEnd) finish();
      });
      call.on('end', () => finish());
      call.on('drain', resumeInput);
      call.on('error', (err: Error) => finish(`port-forward session with the node's agent failed: ${err.message}`));
      call.resume();
      for (const data of queued) call.write(frame({ data }));
      queued = [];
      if (inputEnded) call.write(frame({ dataEnd: true }));
    },
    (err: Error) => finish(err.message),
  );

  return {
    write(data, resume) {
      if (finished || data.length === 0) return true;
      if (!call) {
        queued.push(data);
        return true;
      }
      // One pause per full call: frames already read may still arrive while paused.
      if (call.write(frame({ data })) || waiting) return true;
      waiting = resume;
      return false;
    },
    endInput() {
      if (inputEnded || finished) return;
      inputEnded = true;
      call?.write(frame({ dataEnd: true }));
    },
    close() {
      if (finished) return;
      finished = true;
      resumeInput();
      if (call) call.end();
      else pushed.cancel();
    },
  };
}
