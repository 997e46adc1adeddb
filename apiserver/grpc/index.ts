// The node agents' gRPC endpoint (proto/node.proto).
export { startNodeGrpcServer, NodeGrpcServerOptions, RunningNodeGrpcServer } from './node-grpc-server';
export { REASON_TRAILER } from './grpc-errors';
export { NODE_LEASE_NAMESPACE, DEFAULT_LEASE_DURATION_SECONDS } from './node-lease';
export { LABEL_HOSTNAME, LABEL_OS, LABEL_ARCH } from './node-registration';
