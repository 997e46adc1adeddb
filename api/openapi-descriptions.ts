// Human descriptions of types and fields for the published OpenAPI documents,
// which `kubectl explain` prints (v3 for kubectl ≥ 1.30, v2 before). The JSON
// Schemas in schemas/ stay lean for validation; the words live here, keyed by
// definition name, '' for the type itself. Written for Kapstan in our own
// words; fields without an entry are published without a description.
import type { JsonSchema } from './schemas';
import { APPS, BATCH, CORE, META } from './schemas/builders';

type Words = Record<string, string>;

/** Fields every top-level kind has. */
const KIND_FIELDS: Words = {
  apiVersion: 'The versioned schema of this object, such as "v1" or "apps/v1". The server rejects versions it does not serve.',
  kind: 'The REST resource this object represents, in CamelCase. Clients may leave it to the endpoint; it cannot be updated.',
  metadata: "Standard object metadata: name, namespace, labels, annotations, owners and the server's bookkeeping.",
  spec: 'The desired state of the object, written by its users.',
  status: 'The most recently observed state of the object, written by the system. It may lag behind the spec; read-only for users.',
};

const SELECTOR = 'A label query over the pods this object manages. It must match the labels of the pod template.';
const TEMPLATE = 'The pod template: the metadata and spec of the pods this object creates.';
const MIN_READY = 'How long, in seconds, a new pod must be ready without any container crashing before it counts as available. Defaults to 0 (available as soon as ready).';
const HISTORY = 'How many old revisions to keep so that a rollout can be undone. Defaults to 10.';

export const DESCRIPTIONS: Readonly<Record<string, Words>> = {
  [`${META}ObjectMeta`]: {
    '': 'Metadata every persisted object has.',
    name: 'The name of the object, unique within its namespace (or the cluster for cluster-scoped kinds). It cannot be updated.',
    generateName: 'A prefix from which the server makes a unique name when name is empty; a random suffix is appended.',
    namespace: 'The namespace the object lives in. Empty for cluster-scoped kinds; "default" when a namespaced object is created without one.',
    uid: 'The unique identity the server gave this object when it was created. Read-only.',
    resourceVersion: 'An opaque version of the object, changed by every write. Send it back on an update to have it refused if someone else wrote first (optimistic concurrency). Read-only.',
    generation: 'A sequence number of changes to the desired state (spec). Read-only.',
    creationTimestamp: 'When the object was created, in RFC 3339 form, UTC. Read-only.',
    deletionTimestamp: 'When the object will be deleted: set by the server when a delete was asked for while finalizers or a grace period hold the object. Read-only.',
    deletionGracePeriodSeconds: 'The seconds allowed for the object to terminate gracefully before it is removed. Read-only.',
    labels: 'Key/value pairs that organise and select objects (used by selectors of Services, ReplicaSets and others).',
    annotations: 'Key/value pairs for tools and people; not used for selection.',
    ownerReferences: 'The objects this one depends on. When every owner is gone, the garbage collector deletes this object.',
    finalizers: 'Names of things that must happen before the object may be removed; the object stays, with a deletionTimestamp, until the list is empty.',
    managedFields: 'Which field manager owns which fields, as server-side apply tracks them. Mostly for internal use.',
  },
  [`${META}LabelSelector`]: {
    '': 'A label query over a set of objects. An empty selector matches everything; a null selector matches nothing. The terms are ANDed.',
    matchLabels: 'Labels that must all be present with exactly these values.',
    matchExpressions: 'Requirements on labels (In, NotIn, Exists, DoesNotExist).',
  },

  // ---- apps/v1 ----
  [`${APPS}Deployment`]: { '': 'A Deployment keeps a number of identical pods running from a pod template and rolls them out declaratively through ReplicaSets.' },
  [`${APPS}DeploymentSpec`]: {
    '': 'The desired behaviour of a Deployment.',
    replicas: 'The number of pods wanted. Defaults to 1.',
    selector: SELECTOR,
    template: TEMPLATE,
    strategy: 'How existing pods are replaced by new ones when the template changes.',
    minReadySeconds: MIN_READY,
    revisionHistoryLimit: HISTORY,
    paused: 'When true, changes to the template do not start a rollout until the Deployment is resumed.',
    progressDeadlineSeconds: 'How long a rollout may go without progress before the Deployment reports it as failed (Progressing condition with reason ProgressDeadlineExceeded). Defaults to 600.',
  },
  [`${APPS}DeploymentStrategy`]: {
    '': 'DeploymentStrategy says how to replace existing pods with new ones.',
    type: 'The kind of replacement: "Recreate" deletes all old pods before new ones are created; "RollingUpdate" (the default) replaces them gradually.',
    rollingUpdate: 'Limits of a rolling update; only when type is RollingUpdate.',
  },
  [`${APPS}RollingUpdateDeployment`]: {
    '': 'How fast a rolling update may go.',
    maxUnavailable: 'How many pods (a number, or a percentage of the desired count, rounded down) may be unavailable during the update. Defaults to 25%. Cannot be 0 when maxSurge is 0.',
    maxSurge: 'How many pods (a number, or a percentage of the desired count, rounded up) may be created above the desired count during the update. Defaults to 25%. Cannot be 0 when maxUnavailable is 0.',
  },
  [`${APPS}DeploymentStatus`]: {
    '': 'The most recently observed state of a Deployment.',
    observedGeneration: 'The generation the controller last acted on.',
    replicas: 'Pods (of any revision) that this Deployment targets.',
    updatedReplicas: 'Pods that run the current template.',
    readyReplicas: 'Pods whose Ready condition is true.',
    availableReplicas: 'Pods that have been ready for at least minReadySeconds.',
    unavailableReplicas: 'Pods still needed before the Deployment is fully available.',
    conditions: 'The latest observations of the rollout: Available, Progressing, ReplicaFailure.',
    collisionCount: 'Counts hash collisions of the template, used to name new ReplicaSets.',
  },
  [`${APPS}ReplicaSet`]: { '': 'A ReplicaSet keeps a given number of pods matching its selector running.' },
  [`${APPS}ReplicaSetSpec`]: {
    '': 'The desired behaviour of a ReplicaSet.',
    replicas: 'The number of pods wanted. Defaults to 1.',
    minReadySeconds: MIN_READY,
    selector: SELECTOR,
    template: TEMPLATE,
  },
  [`${APPS}DaemonSet`]: { '': 'A DaemonSet runs one copy of a pod on every node that its template may be scheduled on.' },
  [`${APPS}DaemonSetSpec`]: {
    '': 'The desired behaviour of a DaemonSet.',
    selector: SELECTOR,
    template: TEMPLATE,
    updateStrategy: 'How pods are replaced when the template changes: RollingUpdate (the default) or OnDelete.',
    minReadySeconds: MIN_READY,
    revisionHistoryLimit: HISTORY,
  },

  // ---- batch/v1 ----
  [`${BATCH}Job`]: { '': 'A Job runs pods until a number of them complete successfully.' },
  [`${BATCH}JobSpec`]: {
    '': 'The desired behaviour of a Job.',
    parallelism: 'The most pods that run at the same time. Defaults to 1.',
    completions: 'The number of successful pods that finish the Job. Unset means any one success finishes it once all pods end.',
    activeDeadlineSeconds: 'How long the Job may be active before the system terminates it.',
    backoffLimit: 'How many retries before the Job is marked failed. Defaults to 6.',
    selector: 'A label query over the pods of the Job; normally generated by the server.',
    template: 'The pod template of the Job. Its restartPolicy must be Never or OnFailure.',
    ttlSecondsAfterFinished: 'When set, the Job is deleted this many seconds after it finishes.',
    completionMode: 'NonIndexed (the default) or Indexed, where each pod gets a completion index.',
    suspend: 'When true, no pods are created and running ones are stopped.',
  },
  [`${BATCH}CronJob`]: { '': 'A CronJob creates Jobs on a repeating schedule.' },
  [`${BATCH}CronJobSpec`]: {
    '': 'The desired behaviour of a CronJob.',
    schedule: 'The schedule in cron format, such as "*/5 * * * *".',
    timeZone: 'The time zone of the schedule, such as "Etc/UTC"; the server\'s zone when unset.',
    startingDeadlineSeconds: 'How late a missed run may still start.',
    concurrencyPolicy: 'What to do when a run is due while the last one still runs: Allow (the default), Forbid or Replace.',
    suspend: 'When true, no further runs start.',
    jobTemplate: 'The Job each run creates.',
    successfulJobsHistoryLimit: 'How many finished successful Jobs to keep. Defaults to 3.',
    failedJobsHistoryLimit: 'How many failed Jobs to keep. Defaults to 1.',
  },

  // ---- core/v1 ----
  [`${CORE}Pod`]: { '': 'A Pod is a group of containers that run together on one node, sharing a network namespace and volumes.' },
  [`${CORE}PodTemplateSpec`]: { '': 'The metadata and spec of the pods a controller creates.', metadata: "The pods' metadata (labels must match the owner's selector).", spec: 'The spec of the pods.' },
  [`${CORE}PodSpec`]: {
    '': 'The desired behaviour of a pod.',
    containers: 'The containers of the pod. At least one; they cannot be added or removed later.',
    initContainers: 'Containers that run to completion, one after another, before the main containers start.',
    volumes: 'Volumes the containers of the pod may mount.',
    restartPolicy: 'When containers are restarted: Always (the default), OnFailure or Never.',
    terminationGracePeriodSeconds: 'Seconds between the stop signal and the kill when the pod is deleted. Defaults to 30.',
    nodeSelector: 'Labels a node must have for the pod to be scheduled there.',
    nodeName: 'The node the pod runs on. Set by the scheduler; setting it yourself skips scheduling.',
    serviceAccountName: 'The ServiceAccount the pod runs as.',
    hostNetwork: "When true, the pod uses the node's network namespace.",
    affinity: "The pod's scheduling constraints (node and pod affinity).",
    tolerations: 'Taints of nodes this pod tolerates.',
    priorityClassName: 'The PriorityClass that gives the pod its priority.',
    topologySpreadConstraints: 'How the pods of a group are spread over nodes, zones or other topology domains.',
  },
  [`${CORE}Container`]: {
    '': 'A single application container of a pod.',
    name: 'The name of the container, unique within the pod (a DNS label). Cannot be updated.',
    image: 'The container image reference, such as "nginx:1.27".',
    command: "The entrypoint, replacing the image's ENTRYPOINT. Not run in a shell.",
    args: "Arguments to the entrypoint, replacing the image's CMD.",
    workingDir: "The container's working directory; the image's when empty.",
    ports: 'Ports the container exposes (informational, except for named ports).',
    env: 'Environment variables to set in the container.',
    envFrom: 'ConfigMaps and Secrets whose keys become environment variables.',
    resources: 'Compute resources (cpu, memory) the container requests and is limited to.',
    volumeMounts: "Volumes of the pod mounted into the container's filesystem.",
    livenessProbe: 'A periodic check of the container; the container is restarted when it fails.',
    readinessProbe: 'A periodic check of whether the container can serve; a failing pod is removed from Service endpoints.',
    startupProbe: 'A check that must succeed once before the other probes start.',
    imagePullPolicy: 'When the image is pulled: Always, IfNotPresent or Never. Defaults to Always for the :latest tag, IfNotPresent otherwise.',
  },
  [`${CORE}Service`]: { '': 'A Service gives a set of pods one stable virtual address and DNS name, and balances connections over them.' },
  [`${CORE}ServiceSpec`]: {
    '': 'The desired behaviour of a Service.',
    ports: 'The ports the Service exposes.',
    selector: 'Pods with these labels receive the traffic. Without a selector, Endpoints are managed by hand.',
    clusterIP: 'The virtual IP of the Service, normally allocated by the server; "None" makes a headless Service.',
    type: 'How the Service is exposed: ClusterIP (the default), NodePort, LoadBalancer or ExternalName.',
    sessionAffinity: 'ClientIP keeps a client on one pod; None (the default) does not.',
    externalTrafficPolicy: 'For NodePort and LoadBalancer Services: Cluster (the default) or Local, which only uses pods on the receiving node.',
  },
  [`${CORE}ServicePort`]: {
    '': 'A port a Service exposes.',
    name: 'The name of the port, required when there are several.',
    protocol: 'TCP (the default), UDP or SCTP.',
    port: 'The port the Service exposes.',
    targetPort: "The pods' port: a number, or the name of a container port. Defaults to port.",
    nodePort: 'The port on every node for NodePort and LoadBalancer Services; allocated when unset.',
  },
  [`${CORE}ConfigMap`]: {
    '': 'A ConfigMap holds configuration data for pods to consume.',
    data: 'UTF-8 string values by key.',
    binaryData: 'Base64-encoded binary values by key.',
    immutable: 'When true, data cannot be changed any more.',
  },
  [`${CORE}Secret`]: {
    '': 'A Secret holds a small amount of sensitive data, such as a password, a token or a key.',
    data: 'Base64-encoded values by key.',
    stringData: 'Plain string values by key, merged into data on write; never returned on read.',
    type: 'What the Secret holds, such as Opaque (the default) or kubernetes.io/tls.',
    immutable: 'When true, data cannot be changed any more.',
  },
  [`${CORE}Namespace`]: { '': 'A Namespace gives names a scope: objects in different namespaces may share a name.' },
  [`${CORE}Node`]: { '': 'A Node is a machine that runs pods; its agent registers it and reports its status.' },
  [`${CORE}NodeSpec`]: {
    '': 'How a node may be used.',
    podCIDR: "The node's pod address range, allocated by the server.",
    podCIDRs: "The node's pod address ranges (one per IP family).",
    unschedulable: 'When true, no new pods are scheduled to the node (kubectl cordon).',
    taints: 'Taints that repel pods which do not tolerate them.',
  },
  [`${CORE}PodStatus`]: {
    '': 'The most recently observed state of a pod. It may lag behind the real state.',
    phase: 'Where the pod is in its life: Pending, Running, Succeeded, Failed or Unknown.',
    conditions: 'The current service state of the pod: PodScheduled, Initialized, ContainersReady, Ready.',
    message: 'A human-readable message on why the pod is in this state.',
    reason: 'A brief CamelCase reason for the state, such as Evicted.',
    hostIP: 'The address of the node the pod runs on.',
    podIP: "The pod's address; empty until one is allocated.",
    startTime: 'When the agent acknowledged the pod, before any image was pulled.',
    containerStatuses: 'The state of each container, one entry per container in the spec.',
    initContainerStatuses: 'The state of each init container.',
    qosClass: 'The quality-of-service class from the resource requests and limits: Guaranteed, Burstable or BestEffort.',
  },
  [`${CORE}ContainerStatus`]: {
    '': 'The observed state of one container.',
    name: 'The name of the container, as in the spec.',
    state: 'What the container does now: waiting, running or terminated.',
    lastState: 'How the previous run of the container ended, if it was restarted.',
    ready: 'Whether the container passes its readiness probe.',
    restartCount: 'How many times the container has been restarted.',
    image: 'The image the container runs.',
    imageID: 'The digest of the image the container runs.',
    containerID: 'The runtime\'s identity of the container, as <type>://<id>.',
    started: 'Whether the container has started and passed its startup probe.',
  },
  [`${CORE}EnvVar`]: {
    '': 'An environment variable of a container.',
    name: 'The name of the variable.',
    value: 'The value. $(VAR) references to earlier variables are expanded; $$ escapes.',
    valueFrom: "Where the value comes from instead: a ConfigMap or Secret key, a field of the pod, or a container's resources.",
  },
  [`${CORE}EnvFromSource`]: {
    '': 'A ConfigMap or Secret whose keys all become environment variables.',
    prefix: 'A prefix put before every variable name.',
    configMapRef: 'The ConfigMap to read.',
    secretRef: 'The Secret to read.',
  },
  [`${CORE}ContainerPort`]: {
    '': 'A network port of a container.',
    name: 'A name (IANA_SVC_NAME) that Services can refer to by targetPort.',
    containerPort: "The port number on the pod's address.",
    protocol: 'TCP (the default), UDP or SCTP.',
    hostPort: "A port on the node's address forwarded to this one.",
    hostIP: 'The node address the hostPort binds to.',
  },
  [`${CORE}ResourceRequirements`]: {
    '': 'Compute resources a container needs.',
    requests: 'What the scheduler reserves for the container on its node (cpu, memory).',
    limits: 'The most the container may use: more CPU is throttled, more memory is killed (OOM).',
  },
  [`${CORE}VolumeMount`]: {
    '': 'Where a volume appears in a container.',
    name: 'The name of the pod volume.',
    mountPath: 'The path in the container. It must not contain ":".',
    subPath: 'A path inside the volume to mount instead of its root.',
    readOnly: 'Mount read-only when true. Defaults to false.',
  },
  [`${CORE}Volume`]: {
    '': 'A named volume that containers of the pod can mount. Exactly one source is set.',
    name: 'The name of the volume, unique within the pod.',
    emptyDir: 'An empty directory that lives as long as the pod.',
    hostPath: "A file or directory of the node's filesystem.",
    configMap: 'The keys of a ConfigMap as files.',
    secret: 'The keys of a Secret as files.',
    projected: 'Several sources (ConfigMaps, Secrets, downward API) in one directory.',
    downwardAPI: "Fields of the pod itself as files.",
  },
  [`${CORE}Probe`]: {
    '': 'A check the agent runs against a container: a command, an HTTP GET, a TCP connection or gRPC.',
    exec: 'A command run in the container; exit status 0 is success.',
    httpGet: 'An HTTP GET; a status from 200 to 399 is success.',
    tcpSocket: 'A TCP connection; opening it is success.',
    initialDelaySeconds: 'Seconds after the container starts before the first check.',
    timeoutSeconds: 'Seconds before a check times out. Defaults to 1.',
    periodSeconds: 'Seconds between checks. Defaults to 10.',
    successThreshold: 'Successes in a row, after a failure, that count as success. Defaults to 1.',
    failureThreshold: 'Failures in a row that count as failure. Defaults to 3.',
  },
  [`${CORE}Toleration`]: {
    '': 'Lets a pod be scheduled onto (or stay on) nodes with a matching taint.',
    key: 'The taint key; empty with operator Exists matches every taint.',
    operator: 'Equal (the default) or Exists.',
    value: 'The taint value to match with operator Equal.',
    effect: 'The taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; empty matches all.',
    tolerationSeconds: 'For NoExecute: how long the pod stays bound after the taint appears.',
  },
  [`${BATCH}JobStatus`]: {
    '': 'The most recently observed state of a Job.',
    conditions: 'The latest observations of the Job: Complete, Failed, Suspended and others.',
    startTime: 'When the Job controller started the Job.',
    completionTime: 'When the Job completed.',
    active: 'Pods pending or running.',
    succeeded: 'Pods that succeeded.',
    failed: 'Pods that failed.',
    ready: 'Active pods that are ready.',
  },
  [`${BATCH}JobTemplateSpec`]: { '': 'The Job a CronJob creates.', metadata: "The Jobs' metadata.", spec: 'The spec of the Jobs.' },
  [`${APPS}ReplicaSetStatus`]: {
    '': 'The most recently observed state of a ReplicaSet.',
    replicas: 'Pods the ReplicaSet has.',
    readyReplicas: 'Pods whose Ready condition is true.',
    availableReplicas: 'Pods that have been ready for at least minReadySeconds.',
    observedGeneration: 'The generation the controller last acted on.',
  },
  [`${APPS}DaemonSetUpdateStrategy`]: {
    '': 'How a DaemonSet replaces its pods.',
    type: 'RollingUpdate (the default) replaces pods node by node; OnDelete only when a pod is deleted.',
    rollingUpdate: 'Limits of a rolling update; only when type is RollingUpdate.',
  },
};

/**
 * `schema` (the definition `name`) with its descriptions: on the type and on
 * its fields. A field that only refers to another type keeps the `$ref` with
 * the description beside it (the OpenAPI writers turn that into their form).
 */
export function describedSchema(name: string, schema: JsonSchema): JsonSchema {
  const words = DESCRIPTIONS[name];
  const isKind = 'x-kubernetes-group-version-kind' in schema;
  if (!words && !isKind) return schema;
  const out: JsonSchema = { ...schema };
  if (words?.[''] && out.description === undefined) out.description = words[''];
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  if (props) {
    out.properties = Object.fromEntries(
      Object.entries(props).map(([field, s]) => {
        const text = words?.[field] ?? (isKind ? KIND_FIELDS[field] : undefined);
        return [field, text && s.description === undefined ? { ...s, description: text } : s];
      }),
    );
  }
  return out;
}
