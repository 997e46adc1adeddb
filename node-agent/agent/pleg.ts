// The relist of the pod lifecycle event generator (pkg/kubelet/pleg/generic.go): the runtime state is
// read again periodically and diffed with the previous read; a pure function names what changed.
import type { ContainerAttempt, PodRuntimeState } from './runtime-state';

export type LifecycleEventType = 'ContainerStarted' | 'ContainerDied' | 'ContainerRemoved';

export interface LifecycleEvent {
  podUid: string;
  type: LifecycleEventType;
  containerId: string;
  name: string;
}

function byId(state: PodRuntimeState | undefined): Map<string, ContainerAttempt> {
  return new Map((state?.attempts ?? []).map((a) => [a.containerId, a]));
}

function wasRunning(a: ContainerAttempt | undefined): boolean {
  return a?.status === 'running' || a?.status === 'created';
}

export function relistEvents(before: ReadonlyMap<string, PodRuntimeState>, after: ReadonlyMap<string, PodRuntimeState>): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  for (const podUid of new Set([...before.keys(), ...after.keys()])) {
    const old = byId(before.get(podUid));
    const now = byId(after.get(podUid));
    for (const [containerId, a] of now) {
      const prev = old.get(containerId);
      const event = (type: LifecycleEventType) => events.push({ podUid, type, containerId, name: a.name });
      if (wasRunning(a) && !wasRunning(prev)) event('ContainerStarted');
      if (a.status === 'stopped' && prev?.status !== 'stopped') event('ContainerDied');
    }
    for (const [containerId, a] of old) {
      if (!now.has(containerId)) events.push({ podUid, type: 'ContainerRemoved', containerId, name: a.name });
    }
  }
  return events;
}
