// Events expire, as Kubernetes' --event-ttl: every create and every update
// (a recorder counting a repeat) stores the Event for the TTL from now, so
// etcd never fills with old Events and watchers see DELETED when one expires.
import type { ResourceStrategy } from '../strategy';

/** Kubernetes' default --event-ttl. */
export const DEFAULT_EVENT_TTL_SECONDS = 3600;

export function eventStrategy(ttlSeconds = DEFAULT_EVENT_TTL_SECONDS): ResourceStrategy {
  return { ttlSeconds: () => ttlSeconds };
}
