// The node agent's entry point for `kapstan agent` (cmd/ wires the flags).
export { startAgent, type AgentOptions, type RunningAgent } from './agent/agent';
export type { ImageProvider, ImagePullPolicy, ImageRunConfig, ResolvedImage } from './agent/image-provider';
export type { Logger } from './agent/pod-sync';
export { DEFAULT_BACKOFF, type BackoffPolicy } from './agent/crash-backoff';
export type { PodNetwork } from './agent/pod-network';
