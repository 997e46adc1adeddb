// Flag definitions of every kapstan command, apart from the code they run
// (which main.ts loads only for the command given, so `kapstan agent` does
// not carry the apiserver in memory).

export const serverFlags = {
  'data-dir': { type: 'string', default: '/var/lib/kapstan' },
  listen: { type: 'string', default: '127.0.0.1:6443' },
  'etcd-endpoints': { type: 'string' },
  'etcd-client-port': { type: 'string', default: '2379' },
  'tls-san': { type: 'string', multiple: true },
  'agent-port': { type: 'string' },
  'disable-scheduler': { type: 'boolean' },
  'disable-controllers': { type: 'boolean' },
  'cluster-init': { type: 'boolean' },
  join: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'advertise-address': { type: 'string' },
  // How long Events are kept after their last write (Kubernetes' --event-ttl).
  'event-ttl': { type: 'string', default: '1h' },
  // How long a node's Lease may go unrenewed before it is Unknown (kube-controller-manager's flag).
  'node-monitor-grace-period': { type: 'string', default: '40s' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const agentFlags = {
  // Repeatable, or a comma list: the agent fails over between them.
  server: { type: 'string', multiple: true },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'node-name': { type: 'string' },
  'node-ip': { type: 'string' },
  'data-dir': { type: 'string', default: '/var/lib/kapstan/agent' },
  'agent-port': { type: 'string' },
  'cluster-dns': { type: 'string' },
  'cluster-domain': { type: 'string' },
  'resolv-conf': { type: 'string' },
  'pod-network': { type: 'string', default: 'host-gw' },
  // The kubelet's image GC thresholds: percent of the image store's disk.
  'image-gc-high-threshold': { type: 'string', default: '85' },
  'image-gc-low-threshold': { type: 'string', default: '80' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const upFlags = {
  file: { type: 'string', short: 'f', multiple: true },
  'data-dir': { type: 'string' },
  detach: { type: 'boolean', short: 'd' },
  listen: { type: 'string', default: '127.0.0.1:6443' },
  'etcd-client-port': { type: 'string', default: '2379' },
  'node-name': { type: 'string' },
  'no-color': { type: 'boolean' },
  profile: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

export const standaloneFlags = {
  kubeconfig: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const convertFlags = {
  file: { type: 'string', short: 'f', multiple: true },
  profile: { type: 'string', multiple: true },
} as const;

export const downFlags = { 'data-dir': { type: 'string' } } as const;

// `kapstan token rotate`: talks to the local server through DATA/admin.kubeconfig.
export const tokenRotateFlags = {
  'data-dir': { type: 'string', default: '/var/lib/kapstan' },
  'new-token': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
