// DefaultBinder: binds through the API, POST pods/NAME/binding. The apiserver
// answers 409 Conflict when the pod is already bound, so a pod is never
// placed twice even with several schedulers.
import type { Pod } from '../api-types';
import type { CycleState } from '../framework/cycle-state';
import type { BindPlugin, FrameworkHandle, PluginFactory } from '../framework/interface';
import { Status } from '../framework/status';
import { findByKind, resourcePath } from '../../api/resources';

export const DEFAULT_BINDER = 'DefaultBinder';
const PODS = findByKind('v1', 'Pod')!;

export class DefaultBinder implements BindPlugin {
  readonly name = DEFAULT_BINDER;

  constructor(private readonly handle: FrameworkHandle) {}

  async bind(_state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    const client = this.handle.client;
    if (!client) return Status.error('DefaultBinder has no API client');
    const name = pod.metadata.name ?? '';
    const body = { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: pod.metadata.namespace, uid: pod.metadata.uid }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } };
    await client.json('POST', resourcePath(PODS, pod.metadata.namespace, name, 'binding'), { body });
    return Status.SUCCESS;
  }
}

export const defaultBinder: PluginFactory = (_args, handle) => new DefaultBinder(handle);
