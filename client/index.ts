// The client library: kubeconfig loading, a typed REST client and watch streams.
export * from './kubeconfig';
export * from './rest-client';
export * from './watch';
