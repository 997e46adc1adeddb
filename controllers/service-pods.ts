// Which Services select a pod: what the Endpoints and EndpointSlice
// controllers enqueue when a pod changes.
import { labelSelectorToSelector, matches } from '../api/labels';
import type { KubeObject } from '../api/types';
import type { Informer } from '../client/informer';
import type { Pod } from './workload-types';

export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
  appProtocol?: string;
}

export interface Service extends KubeObject {
  spec?: {
    selector?: Record<string, string>;
    ports?: ServicePort[];
    publishNotReadyAddresses?: boolean;
    type?: string;
    clusterIP?: string;
    ipFamilies?: string[];
  };
}

/** A Service whose pods a controller tracks: it has a non-empty selector. */
export function selectorOf(svc: Service): Record<string, string> | undefined {
  const selector = svc.spec?.selector;
  return selector && Object.keys(selector).length > 0 ? selector : undefined;
}

export function servicesSelecting(services: Informer<Service>, pod: Pod): Service[] {
  return services.list(pod.metadata.namespace).filter((svc) => {
    const selector = selectorOf(svc);
    return selector !== undefined && matches(labelSelectorToSelector({ matchLabels: selector }), pod.metadata.labels);
  });
}

/** Enqueues a Service when it changes and when a pod it selects (or selected) changes. */
export function enqueueServicesOnChange(services: Informer<Service>, pods: Informer<Pod>, enqueue: (svc: Service) => void): void {
  services.addEventHandler({ onAdd: enqueue, onUpdate: (_o, s) => enqueue(s), onDelete: enqueue });
  const forPod = (pod: Pod) => servicesSelecting(services, pod).forEach(enqueue);
  pods.addEventHandler({
    onAdd: forPod,
    onUpdate: (old, pod) => {
      forPod(pod);
      if (JSON.stringify(old.metadata.labels) !== JSON.stringify(pod.metadata.labels)) forPod(old);
    },
    onDelete: forPod,
  });
}
