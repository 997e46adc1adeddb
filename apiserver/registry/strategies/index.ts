// Strategies by kind. Kinds not listed use the default: status, if the kind
// has the subresource, starts empty on create.
import type { ResourceStrategy } from '../strategy';
import type { ResourceInfo } from '../../../api/resources';
import { podStrategyWith, PriorityLookup } from './pod';
import { namespaceStrategy } from './namespace';
import { eventStrategy } from './event';
import { allocatingServiceStrategy } from './service';
import type { ClusterAllocators } from '../allocators/cluster-allocators';
import { releaseNodePodCidr } from '../allocators/node-pod-cidr';

const clearStatus: ResourceStrategy = {
  prepareForCreate(obj) {
    obj.status = {};
  },
};

const keepStatus: ResourceStrategy = {};

/** What strategies may read from the rest of the registry. */
export interface StrategyLookups {
  priorityClassValue: PriorityLookup;
}

/** Server settings some strategies follow. */
export interface StrategySettings {
  /** --event-ttl in seconds (default 1 h). */
  eventTtlSeconds?: number;
}

export function strategyFor(info: ResourceInfo, allocators: ClusterAllocators, lookups: StrategyLookups, settings: StrategySettings = {}): ResourceStrategy {
  switch (info.kind) {
    case 'Pod':
      return podStrategyWith(lookups.priorityClassValue);
    case 'Namespace':
      return namespaceStrategy;
    case 'Service':
      return allocatingServiceStrategy(allocators);
    case 'Event':
      return eventStrategy(settings.eventTtlSeconds);
    case 'Node':
      // The agent registers its node with status; its pod subnet is freed with it.
      return { afterDelete: (node) => releaseNodePodCidr(node, allocators.podCidrs) };
    default:
      return info.subresources.includes('status') ? clearStatus : keepStatus;
  }
}
