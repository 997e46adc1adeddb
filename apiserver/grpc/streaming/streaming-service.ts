// gRPC handlers of the logs/exec/image/port-forward tunnel (Tunnel, SendLog, ExecSession,
// ImageSession, PortForwardSession):
// each authenticates the agent and connects its call to the TunnelHub.
import * as grpc from '@grpc/grpc-js';
import type {
  ExecFrame, ImageFrame, LogChunk, NodeServiceServer, PortForwardFrame, SendLogResponse, StreamRequest, TunnelRequest,
} from '../../../proto/generated/node';
import { StreamRequest_Kind } from '../../../proto/generated/node';
import { ApiError } from '../../../api/errors';
import { toServiceError } from '../grpc-errors';
import type { NodeAuthenticator } from '../node-authentication';
import type { TunnelHub } from './tunnel-hub';

type StreamingHandlers = Pick<NodeServiceServer, 'tunnel' | 'sendLog' | 'execSession' | 'imageSession' | 'portForwardSession'>;

export function streamingHandlers(auth: NodeAuthenticator, hub: TunnelHub): StreamingHandlers {
  return {
    tunnel(call: grpc.ServerWritableStream<TunnelRequest, StreamRequest>) {
      let detach: (() => void) | undefined;
      try {
        const { nodeName } = auth.authenticate(call, call.request.nodeName);
        detach = hub.attach(nodeName, call);
        call.sendMetadata(new grpc.Metadata()); // tells the agent its tunnel is in place
      } catch (err) {
        call.emit('error', toServiceError(err));
        return;
      }
      const end = () => detach?.();
      call.on('cancelled', end);
      call.on('close', end);
      call.on('error', end);
    },

    sendLog(call: grpc.ServerReadableStream<LogChunk, SendLogResponse>, callback: grpc.sendUnaryData<SendLogResponse>) {
      let finished = false;
      const finish = (err?: unknown) => {
        if (finished) return;
        finished = true;
        call.removeAllListeners('data');
        if (err === undefined) callback(null, {});
        else callback(toServiceError(err) as grpc.ServiceError);
      };
      call.on('cancelled', () => finish());
      call.once('data', (first: LogChunk) => {
        try {
          const pending = hub.claim(first.requestId, (node) => auth.authenticate(call, node).nodeName, StreamRequest_Kind.LOG);
          call.pause(); // the HTTP side resumes once it listens
          pending.resolve({ first, call, finish: () => finish() });
        } catch (err) {
          finish(err);
        }
      });
      call.on('end', () => {
        // Without a claimed request the call has no reader; with one, the HTTP side finishes it.
        if (call.listenerCount('data') === 0) finish();
      });
    },

    execSession(call: grpc.ServerDuplexStream<ExecFrame, ExecFrame>) {
      claimSession(auth, hub, call, StreamRequest_Kind.EXEC);
    },

    portForwardSession(call: grpc.ServerDuplexStream<PortForwardFrame, PortForwardFrame>) {
      claimSession(auth, hub, call, StreamRequest_Kind.PORT_FORWARD);
    },

    imageSession(call: grpc.ServerDuplexStream<ImageFrame, ImageFrame>) {
      call.once('data', (first: ImageFrame) => {
        try {
          const kind = hub.kindOf(first.requestId);
          if (kind !== StreamRequest_Kind.IMAGE_IMPORT && kind !== StreamRequest_Kind.IMAGE_LIST) throw new ApiError('NotFound', `no image request ${first.requestId}`);
          const pending = hub.claim(first.requestId, (node) => auth.authenticate(call, node).nodeName, kind);
          call.pause();
          pending.resolve({ first, call });
        } catch (err) {
          call.emit('error', toServiceError(err));
        }
      });
    },
  };
}

/** A bidirectional answer: its first frame names the request; the HTTP side resumes the call once it listens. */
function claimSession<F extends { requestId: string }>(auth: NodeAuthenticator, hub: TunnelHub, call: grpc.ServerDuplexStream<F, F>, kind: StreamRequest_Kind): void {
  call.once('data', (first: F) => {
    try {
      const pending = hub.claim(first.requestId, (node) => auth.authenticate(call, node).nodeName, kind);
      call.pause();
      pending.resolve({ first, call } as unknown as Parameters<typeof pending.resolve>[0]);
    } catch (err) {
      call.emit('error', toServiceError(err));
    }
  });
}
