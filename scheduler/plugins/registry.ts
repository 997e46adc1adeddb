// The in-tree plugins by name: what a profile may enable.
import type { Registry } from '../framework/interface';
import { DEFAULT_BINDER, defaultBinder } from './default-binder';
import { DEFAULT_PREEMPTION, defaultPreemption } from './default-preemption';
import { IMAGE_LOCALITY, imageLocality } from './image-locality';
import { INTER_POD_AFFINITY, interPodAffinity } from './inter-pod-affinity';
import { NODE_AFFINITY, nodeAffinity } from './node-affinity';
import { NODE_NAME, nodeName } from './node-name';
import { NODE_PORTS, nodePorts } from './node-ports';
import { NODE_READY, nodeReady } from './node-ready';
import { NODE_RESOURCES_BALANCED_ALLOCATION, nodeResourcesBalancedAllocation } from './node-resources-balanced-allocation';
import { NODE_RESOURCES_FIT, nodeResourcesFit } from './node-resources-fit';
import { NODE_UNSCHEDULABLE, nodeUnschedulable } from './node-unschedulable';
import { POD_TOPOLOGY_SPREAD, podTopologySpread } from './pod-topology-spread';
import { TAINT_TOLERATION, taintToleration } from './taint-toleration';

export function inTreeRegistry(): Registry {
  return new Map([
    [NODE_UNSCHEDULABLE, nodeUnschedulable],
    [NODE_READY, nodeReady],
    [NODE_NAME, nodeName],
    [TAINT_TOLERATION, taintToleration],
    [NODE_AFFINITY, nodeAffinity],
    [NODE_PORTS, nodePorts],
    [NODE_RESOURCES_FIT, nodeResourcesFit],
    [POD_TOPOLOGY_SPREAD, podTopologySpread],
    [INTER_POD_AFFINITY, interPodAffinity],
    [DEFAULT_PREEMPTION, defaultPreemption],
    [NODE_RESOURCES_BALANCED_ALLOCATION, nodeResourcesBalancedAllocation],
    [IMAGE_LOCALITY, imageLocality],
    [DEFAULT_BINDER, defaultBinder],
  ]);
}
