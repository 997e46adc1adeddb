// Strategic-merge-patch metadata for the kinds Kapstan serves: which lists
// merge by which key, which lists of scalars merge as sets, which structs
// clear unlisted fields ($retainKeys). It mirrors the patchStrategy /
// patchMergeKey struct tags of k8s.io/api that kubectl compiles in.
//
// Anything not described here behaves as JSON merge patch: maps merge
// recursively and lists are replaced whole (tolerations, envFrom, Endpoints
// subsets, taints, selectors' matchExpressions, ...).

export interface PatchMeta {
  /** 'merge': merge the list (by mergeKey, or as a set of scalars); 'replace': take the patch value whole. */
  strategy?: 'merge' | 'replace';
  /** For merged lists of objects: the field that identifies an element. */
  mergeKey?: string;
  /**
   * Server-side apply's identity of an element when it is more than the
   * strategic-merge key (`x-kubernetes-list-map-keys`, e.g. containerPort and
   * protocol): a key field an element leaves out takes its default.
   */
  mapKeys?: readonly { name: string; default?: string }[];
  /** Patches to this struct (or to each element of this list) may carry $retainKeys. */
  retainKeys?: boolean;
  /** Metadata of the fields of this object, or of each element of this list. */
  fields?: Readonly<Record<string, PatchMeta>>;
}

function mergeByKey(mergeKey: string, element?: PatchMeta, retainKeys = false): PatchMeta {
  return { strategy: 'merge', mergeKey, retainKeys: retainKeys || undefined, fields: element?.fields };
}

/** Ports: strategic merge patch keys them by number alone; server-side apply by number and protocol (TCP by default). */
function portList(numberField: string): PatchMeta {
  return { ...mergeByKey(numberField), mapKeys: [{ name: numberField }, { name: 'protocol', default: 'TCP' }] };
}

const setOfScalars: PatchMeta = { strategy: 'merge' };

const objectMeta: PatchMeta = {
  fields: {
    finalizers: setOfScalars,
    ownerReferences: mergeByKey('uid'),
  },
};

const container: PatchMeta = {
  fields: {
    ports: portList('containerPort'),
    env: mergeByKey('name'),
    volumeMounts: mergeByKey('mountPath'),
    volumeDevices: mergeByKey('devicePath'),
  },
};

const podSpec: PatchMeta = {
  fields: {
    containers: mergeByKey('name', container),
    initContainers: mergeByKey('name', container),
    ephemeralContainers: mergeByKey('name', container),
    volumes: mergeByKey('name', undefined, true),
    imagePullSecrets: mergeByKey('name'),
    hostAliases: mergeByKey('ip'),
    topologySpreadConstraints: mergeByKey('topologyKey'),
    schedulingGates: mergeByKey('name'),
    resourceClaims: mergeByKey('name', undefined, true),
  },
};

const podTemplateSpec: PatchMeta = { fields: { metadata: objectMeta, spec: podSpec } };

const statusWithConditions: PatchMeta = { fields: { conditions: mergeByKey('type') } };

function kind(fields: Record<string, PatchMeta>): PatchMeta {
  return { fields: { metadata: objectMeta, ...fields } };
}

const BY_KIND: Readonly<Record<string, PatchMeta>> = {
  Pod: kind({
    spec: podSpec,
    status: {
      fields: {
        conditions: mergeByKey('type'),
        podIPs: mergeByKey('ip'),
        hostIPs: mergeByKey('ip'),
      },
    },
  }),
  Deployment: kind({
    spec: { fields: { template: podTemplateSpec, strategy: { retainKeys: true } } },
    status: statusWithConditions,
  }),
  ReplicaSet: kind({ spec: { fields: { template: podTemplateSpec } }, status: statusWithConditions }),
  DaemonSet: kind({ spec: { fields: { template: podTemplateSpec } }, status: statusWithConditions }),
  Job: kind({ spec: { fields: { template: podTemplateSpec } }, status: statusWithConditions }),
  CronJob: kind({
    spec: {
      fields: {
        jobTemplate: { fields: { metadata: objectMeta, spec: { fields: { template: podTemplateSpec } } } },
      },
    },
  }),
  Node: kind({
    spec: { fields: { podCIDRs: setOfScalars } },
    status: { fields: { conditions: mergeByKey('type'), addresses: mergeByKey('type') } },
  }),
  Service: kind({ spec: { fields: { ports: portList('port') } }, status: statusWithConditions }),
  Namespace: kind({ status: statusWithConditions }),
  ServiceAccount: kind({ secrets: mergeByKey('name') }),
};

/** Every kind, known or not, has ObjectMeta; unknown kinds get nothing else. */
const UNKNOWN_KIND: PatchMeta = kind({});

/** The patch metadata of a kind's root object. */
export function patchMetaForKind(kindName: string): PatchMeta {
  return Object.prototype.hasOwnProperty.call(BY_KIND, kindName) ? BY_KIND[kindName] : UNKNOWN_KIND;
}

/** The metadata of field `key` of an object (or of each element of a list) described by `meta`. */
export function fieldMeta(meta: PatchMeta | undefined, key: string): PatchMeta | undefined {
  const fields = meta?.fields;
  return fields && Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : undefined;
}

export function isMergeList(meta: PatchMeta | undefined): boolean {
  return meta?.strategy === 'merge';
}
