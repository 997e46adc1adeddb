// Readable builders for scheduler tests:
// makeNode('n1').capacity({ cpu: '4', memory: '8Gi' }).taint('dedicated', 'gpu').obj()
// makePod('web').requests({ cpu: '500m' }).toleration({ key: 'dedicated', operator: 'Exists' }).obj()
import type {
  Container,
  Node,
  NodeSelectorRequirement,
  Pod,
  PodAffinityTerm,
  ResourceList,
  TaintEffect,
  Toleration,
  TopologySpreadConstraint,
} from '../../scheduler/api-types';

let uidCounter = 0;

export class NodeBuilder {
  private readonly node: Node;

  constructor(name: string) {
    this.node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: { capacity: { pods: '110' }, allocatable: { pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
    };
  }

  /** Sets capacity and allocatable alike (pods defaults to 110). */
  capacity(list: ResourceList): this {
    this.node.status!.capacity = { pods: '110', ...list };
    this.node.status!.allocatable = { pods: '110', ...list };
    return this;
  }

  label(key: string, value: string): this {
    this.node.metadata.labels = { ...this.node.metadata.labels, [key]: value };
    return this;
  }

  taint(key: string, value: string | undefined, effect: TaintEffect = 'NoSchedule'): this {
    this.node.spec!.taints = [...(this.node.spec!.taints ?? []), { key, ...(value === undefined ? {} : { value }), effect }];
    return this;
  }

  unschedulable(): this {
    this.node.spec!.unschedulable = true;
    return this;
  }

  notReady(status: 'False' | 'Unknown' = 'False'): this {
    this.node.status!.conditions = [{ type: 'Ready', status }];
    return this;
  }

  image(name: string, sizeBytes: number): this {
    this.node.status!.images = [...(this.node.status!.images ?? []), { names: [name], sizeBytes }];
    return this;
  }

  obj(): Node {
    return structuredClone(this.node);
  }
}

export class PodBuilder {
  private readonly pod: Pod;

  constructor(name: string, namespace = 'default') {
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, uid: `uid-${name}-${++uidCounter}`, labels: {} },
      spec: { schedulerName: 'default-scheduler', priority: 0, containers: [{ name: 'c', image: 'busybox' }] },
    };
  }

  private get container(): Container {
    return this.pod.spec.containers[0];
  }

  requests(list: ResourceList): this {
    this.container.resources = { ...this.container.resources, requests: list };
    return this;
  }

  container_(c: Container): this {
    this.pod.spec.containers.push(c);
    return this;
  }

  initContainer(c: Container): this {
    this.pod.spec.initContainers = [...(this.pod.spec.initContainers ?? []), c];
    return this;
  }

  image(image: string): this {
    this.container.image = image;
    return this;
  }

  hostPort(port: number, protocol = 'TCP', hostIP?: string): this {
    this.container.ports = [...(this.container.ports ?? []), { containerPort: port, hostPort: port, protocol, ...(hostIP ? { hostIP } : {}) }];
    return this;
  }

  label(key: string, value: string): this {
    this.pod.metadata.labels = { ...this.pod.metadata.labels, [key]: value };
    return this;
  }

  node(name: string): this {
    this.pod.spec.nodeName = name;
    return this;
  }

  priority(p: number): this {
    this.pod.spec.priority = p;
    return this;
  }

  schedulerName(name: string): this {
    this.pod.spec.schedulerName = name;
    return this;
  }

  nodeSelector(sel: Record<string, string>): this {
    this.pod.spec.nodeSelector = sel;
    return this;
  }

  toleration(t: Toleration): this {
    this.pod.spec.tolerations = [...(this.pod.spec.tolerations ?? []), t];
    return this;
  }

  /** One required term (ANDed expressions); call again to add an ORed term. */
  requiredNodeAffinity(...exprs: NodeSelectorRequirement[]): this {
    const aff = (this.pod.spec.affinity ??= {});
    const na = (aff.nodeAffinity ??= {});
    const req = (na.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] });
    req.nodeSelectorTerms.push({ matchExpressions: exprs });
    return this;
  }

  preferredNodeAffinity(weight: number, ...exprs: NodeSelectorRequirement[]): this {
    const na = ((this.pod.spec.affinity ??= {}).nodeAffinity ??= {});
    (na.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, preference: { matchExpressions: exprs } });
    return this;
  }

  podAffinity(term: PodAffinityTerm): this {
    const pa = ((this.pod.spec.affinity ??= {}).podAffinity ??= {});
    (pa.requiredDuringSchedulingIgnoredDuringExecution ??= []).push(term);
    return this;
  }

  podAntiAffinity(term: PodAffinityTerm): this {
    const pa = ((this.pod.spec.affinity ??= {}).podAntiAffinity ??= {});
    (pa.requiredDuringSchedulingIgnoredDuringExecution ??= []).push(term);
    return this;
  }

  preferredPodAffinity(weight: number, term: PodAffinityTerm, anti = false): this {
    const aff = (this.pod.spec.affinity ??= {});
    const pa = anti ? (aff.podAntiAffinity ??= {}) : (aff.podAffinity ??= {});
    (pa.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, podAffinityTerm: term });
    return this;
  }

  spread(c: TopologySpreadConstraint): this {
    this.pod.spec.topologySpreadConstraints = [...(this.pod.spec.topologySpreadConstraints ?? []), c];
    return this;
  }

  obj(): Pod {
    return structuredClone(this.pod);
  }

  /** The pod as the API would take it: no uid, only what a user sends. */
  manifest(): Pod {
    const p = this.obj();
    delete p.metadata.uid;
    if (p.spec.priority === 0) delete p.spec.priority;
    return p;
  }
}

export function makeNode(name: string): NodeBuilder {
  return new NodeBuilder(name);
}

export function makePod(name: string, namespace?: string): PodBuilder {
  return new PodBuilder(name, namespace);
}
