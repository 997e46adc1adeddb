// core/v1 Pod: PodSpec (containers, volumes, probes, scheduling constraints),
// PodStatus, and PodTemplateSpec for the workload kinds.

import {
  JsonSchema, CORE, META, QUANTITY, INT_OR_STRING, TIME,
  ref, str, int32, int64, bool, arr, obj, strMap, quantityMap, listMap, oneOfStrings,
  localObjectReference, kind,
} from './builders';
import { conditionsOf } from './meta';

const C = (name: string) => ref(CORE + name);

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
export const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
export const PULL_POLICIES = ['Always', 'Never', 'IfNotPresent'];
export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function containerProperties(): Record<string, JsonSchema> {
  return {
    name: str(),
    image: str(),
    command: arr(str()),
    args: arr(str()),
    workingDir: str(),
    ports: listMap(C('ContainerPort'), 'containerPort', ['protocol']),
    envFrom: arr(C('EnvFromSource')),
    env: listMap(C('EnvVar'), 'name'),
    resources: C('ResourceRequirements'),
    resizePolicy: arr(obj({ resourceName: str(), restartPolicy: oneOfStrings('NotRequired', 'RestartContainer') }, ['resourceName', 'restartPolicy'])),
    restartPolicy: oneOfStrings('Always'),
    volumeMounts: listMap(C('VolumeMount'), 'mountPath'),
    volumeDevices: listMap(obj({ name: str(), devicePath: str() }, ['name', 'devicePath']), 'devicePath'),
    livenessProbe: C('Probe'),
    readinessProbe: C('Probe'),
    startupProbe: C('Probe'),
    lifecycle: C('Lifecycle'),
    terminationMessagePath: str(),
    terminationMessagePolicy: oneOfStrings('File', 'FallbackToLogsOnError'),
    imagePullPolicy: oneOfStrings(...PULL_POLICIES),
    securityContext: C('SecurityContext'),
    stdin: bool(),
    stdinOnce: bool(),
    tty: bool(),
  };
}

const keyToPath = () => arr(C('KeyToPath'));

const seLinuxOptions = () => obj({ user: str(), role: str(), type: str(), level: str() });
const windowsOptions = () =>
  obj({ gmsaCredentialSpecName: str(), gmsaCredentialSpec: str(), runAsUserName: str(), hostProcess: bool() });
const seccompProfile = () =>
  obj({ type: oneOfStrings('Unconfined', 'RuntimeDefault', 'Localhost'), localhostProfile: str() }, ['type']);
const appArmorProfile = () =>
  obj({ type: oneOfStrings('Unconfined', 'RuntimeDefault', 'Localhost'), localhostProfile: str() }, ['type']);

const podAffinity = () =>
  obj({
    requiredDuringSchedulingIgnoredDuringExecution: arr(C('PodAffinityTerm')),
    preferredDuringSchedulingIgnoredDuringExecution: arr(C('WeightedPodAffinityTerm')),
  });

export const POD_DEFINITIONS: Record<string, JsonSchema> = {
  [`${CORE}LocalObjectReference`]: localObjectReference(),
  [`${CORE}ObjectReference`]: obj({
    kind: str(),
    namespace: str(),
    name: str(),
    uid: str(),
    apiVersion: str(),
    resourceVersion: str(),
    fieldPath: str(),
  }),
  [`${CORE}ContainerPort`]: obj(
    {
      name: str(),
      hostPort: int32(),
      containerPort: int32(),
      protocol: oneOfStrings(...PROTOCOLS),
      hostIP: str(),
    },
    ['containerPort'],
  ),
  [`${CORE}ObjectFieldSelector`]: obj({ apiVersion: str(), fieldPath: str() }, ['fieldPath']),
  [`${CORE}ResourceFieldSelector`]: obj({ containerName: str(), resource: str(), divisor: ref(QUANTITY) }, ['resource']),
  [`${CORE}ConfigMapKeySelector`]: obj({ name: str(), key: str(), optional: bool() }, ['key']),
  [`${CORE}SecretKeySelector`]: obj({ name: str(), key: str(), optional: bool() }, ['key']),
  [`${CORE}EnvVarSource`]: obj({
    fieldRef: C('ObjectFieldSelector'),
    resourceFieldRef: C('ResourceFieldSelector'),
    configMapKeyRef: C('ConfigMapKeySelector'),
    secretKeyRef: C('SecretKeySelector'),
  }),
  [`${CORE}EnvVar`]: obj({ name: str(), value: str(), valueFrom: C('EnvVarSource') }, ['name']),
  [`${CORE}EnvFromSource`]: obj({
    prefix: str(),
    configMapRef: obj({ name: str(), optional: bool() }),
    secretRef: obj({ name: str(), optional: bool() }),
  }),
  [`${CORE}ResourceRequirements`]: obj({
    limits: quantityMap(),
    requests: quantityMap(),
    claims: listMap(obj({ name: str(), request: str() }, ['name']), 'name'),
  }),
  [`${CORE}VolumeMount`]: obj(
    {
      name: str(),
      readOnly: bool(),
      recursiveReadOnly: oneOfStrings('Disabled', 'IfPossible', 'Enabled'),
      mountPath: str(),
      subPath: str(),
      mountPropagation: oneOfStrings('None', 'HostToContainer', 'Bidirectional'),
      subPathExpr: str(),
    },
    ['name', 'mountPath'],
  ),
  [`${CORE}HTTPHeader`]: obj({ name: str(), value: str() }, ['name', 'value']),
  [`${CORE}ExecAction`]: obj({ command: arr(str()) }),
  [`${CORE}HTTPGetAction`]: obj(
    {
      path: str(),
      port: ref(INT_OR_STRING),
      host: str(),
      scheme: oneOfStrings('HTTP', 'HTTPS'),
      httpHeaders: arr(C('HTTPHeader')),
    },
    ['port'],
  ),
  [`${CORE}TCPSocketAction`]: obj({ port: ref(INT_OR_STRING), host: str() }, ['port']),
  [`${CORE}GRPCAction`]: obj({ port: int32(), service: str() }, ['port']),
  [`${CORE}Probe`]: obj({
    exec: C('ExecAction'),
    httpGet: C('HTTPGetAction'),
    tcpSocket: C('TCPSocketAction'),
    grpc: C('GRPCAction'),
    initialDelaySeconds: int32({ minimum: 0 }),
    timeoutSeconds: int32({ minimum: 0 }),
    periodSeconds: int32({ minimum: 0 }),
    successThreshold: int32({ minimum: 0 }),
    failureThreshold: int32({ minimum: 0 }),
    terminationGracePeriodSeconds: int64(),
  }),
  [`${CORE}LifecycleHandler`]: obj({
    exec: C('ExecAction'),
    httpGet: C('HTTPGetAction'),
    tcpSocket: C('TCPSocketAction'),
    sleep: obj({ seconds: int64() }, ['seconds']),
  }),
  [`${CORE}Lifecycle`]: obj({ postStart: C('LifecycleHandler'), preStop: C('LifecycleHandler'), stopSignal: str() }),
  [`${CORE}Capabilities`]: obj({ add: arr(str()), drop: arr(str()) }),
  [`${CORE}SecurityContext`]: obj({
    capabilities: C('Capabilities'),
    privileged: bool(),
    seLinuxOptions: seLinuxOptions(),
    windowsOptions: windowsOptions(),
    runAsUser: int64(),
    runAsGroup: int64(),
    runAsNonRoot: bool(),
    readOnlyRootFilesystem: bool(),
    allowPrivilegeEscalation: bool(),
    procMount: oneOfStrings('Default', 'Unmasked'),
    seccompProfile: seccompProfile(),
    appArmorProfile: appArmorProfile(),
  }),
  [`${CORE}PodSecurityContext`]: obj({
    seLinuxOptions: seLinuxOptions(),
    windowsOptions: windowsOptions(),
    runAsUser: int64(),
    runAsGroup: int64(),
    runAsNonRoot: bool(),
    supplementalGroups: arr(int64()),
    supplementalGroupsPolicy: oneOfStrings('Merge', 'Strict'),
    fsGroup: int64(),
    sysctls: arr(obj({ name: str(), value: str() }, ['name', 'value'])),
    fsGroupChangePolicy: oneOfStrings('OnRootMismatch', 'Always'),
    seccompProfile: seccompProfile(),
    appArmorProfile: appArmorProfile(),
    seLinuxChangePolicy: str(),
  }),
  [`${CORE}Container`]: obj(containerProperties(), ['name']),
  [`${CORE}EphemeralContainer`]: obj({ ...containerProperties(), targetContainerName: str() }, ['name']),

  // Scheduling constraints.
  [`${CORE}NodeSelectorRequirement`]: obj(
    { key: str(), operator: oneOfStrings('In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'), values: arr(str()) },
    ['key', 'operator'],
  ),
  [`${CORE}NodeSelectorTerm`]: obj({
    matchExpressions: arr(C('NodeSelectorRequirement')),
    matchFields: arr(C('NodeSelectorRequirement')),
  }),
  [`${CORE}NodeSelector`]: obj({ nodeSelectorTerms: arr(C('NodeSelectorTerm')) }, ['nodeSelectorTerms']),
  [`${CORE}PreferredSchedulingTerm`]: obj({ weight: int32(), preference: C('NodeSelectorTerm') }, ['weight', 'preference']),
  [`${CORE}NodeAffinity`]: obj({
    requiredDuringSchedulingIgnoredDuringExecution: C('NodeSelector'),
    preferredDuringSchedulingIgnoredDuringExecution: arr(C('PreferredSchedulingTerm')),
  }),
  [`${CORE}PodAffinityTerm`]: obj(
    {
      labelSelector: ref(`${META}LabelSelector`),
      namespaces: arr(str()),
      topologyKey: str(),
      namespaceSelector: ref(`${META}LabelSelector`),
      matchLabelKeys: arr(str()),
      mismatchLabelKeys: arr(str()),
    },
    ['topologyKey'],
  ),
  [`${CORE}WeightedPodAffinityTerm`]: obj({ weight: int32(), podAffinityTerm: C('PodAffinityTerm') }, ['weight', 'podAffinityTerm']),
  [`${CORE}PodAffinity`]: podAffinity(),
  [`${CORE}PodAntiAffinity`]: podAffinity(),
  [`${CORE}Affinity`]: obj({
    nodeAffinity: C('NodeAffinity'),
    podAffinity: C('PodAffinity'),
    podAntiAffinity: C('PodAntiAffinity'),
  }),
  [`${CORE}Toleration`]: obj({
    key: str(),
    operator: oneOfStrings('Exists', 'Equal'),
    value: str(),
    effect: oneOfStrings(...TAINT_EFFECTS),
    tolerationSeconds: int64(),
  }),
  [`${CORE}TopologySpreadConstraint`]: obj(
    {
      maxSkew: int32(),
      topologyKey: str(),
      whenUnsatisfiable: oneOfStrings('DoNotSchedule', 'ScheduleAnyway'),
      labelSelector: ref(`${META}LabelSelector`),
      minDomains: int32(),
      nodeAffinityPolicy: oneOfStrings('Honor', 'Ignore'),
      nodeTaintsPolicy: oneOfStrings('Honor', 'Ignore'),
      matchLabelKeys: arr(str()),
    },
    ['maxSkew', 'topologyKey', 'whenUnsatisfiable'],
  ),
  [`${CORE}HostAlias`]: obj({ ip: str(), hostnames: arr(str()) }, ['ip']),
  [`${CORE}PodDNSConfig`]: obj({
    nameservers: arr(str()),
    searches: arr(str()),
    options: arr(obj({ name: str(), value: str() })),
  }),

  // Volumes.
  [`${CORE}KeyToPath`]: obj({ key: str(), path: str(), mode: int32() }, ['key', 'path']),
  [`${CORE}HostPathVolumeSource`]: obj(
    {
      path: str(),
      type: oneOfStrings('', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'),
    },
    ['path'],
  ),
  [`${CORE}EmptyDirVolumeSource`]: obj({ medium: oneOfStrings('', 'Memory', 'HugePages'), sizeLimit: ref(QUANTITY) }),
  [`${CORE}SecretVolumeSource`]: obj({ secretName: str(), items: keyToPath(), defaultMode: int32(), optional: bool() }),
  [`${CORE}ConfigMapVolumeSource`]: obj({ name: str(), items: keyToPath(), defaultMode: int32(), optional: bool() }),
  [`${CORE}PersistentVolumeClaimVolumeSource`]: obj({ claimName: str(), readOnly: bool() }, ['claimName']),
  [`${CORE}DownwardAPIVolumeFile`]: obj(
    {
      path: str(),
      fieldRef: C('ObjectFieldSelector'),
      resourceFieldRef: C('ResourceFieldSelector'),
      mode: int32(),
    },
    ['path'],
  ),
  [`${CORE}DownwardAPIVolumeSource`]: obj({ items: arr(C('DownwardAPIVolumeFile')), defaultMode: int32() }),
  [`${CORE}ServiceAccountTokenProjection`]: obj({ audience: str(), expirationSeconds: int64(), path: str() }, ['path']),
  [`${CORE}VolumeProjection`]: obj({
    secret: obj({ name: str(), items: keyToPath(), optional: bool() }),
    configMap: obj({ name: str(), items: keyToPath(), optional: bool() }),
    downwardAPI: obj({ items: arr(C('DownwardAPIVolumeFile')) }),
    serviceAccountToken: C('ServiceAccountTokenProjection'),
    clusterTrustBundle: obj(
      { name: str(), signerName: str(), labelSelector: ref(`${META}LabelSelector`), optional: bool(), path: str() },
      ['path'],
    ),
  }),
  [`${CORE}ProjectedVolumeSource`]: obj({ sources: arr(C('VolumeProjection')), defaultMode: int32() }),
  [`${CORE}NFSVolumeSource`]: obj({ server: str(), path: str(), readOnly: bool() }, ['server', 'path']),
  [`${CORE}CSIVolumeSource`]: obj(
    {
      driver: str(),
      readOnly: bool(),
      fsType: str(),
      volumeAttributes: strMap(),
      nodePublishSecretRef: C('LocalObjectReference'),
    },
    ['driver'],
  ),
  [`${CORE}PersistentVolumeClaimSpec`]: obj({
    accessModes: arr(oneOfStrings('ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod')),
    selector: ref(`${META}LabelSelector`),
    resources: obj({ limits: quantityMap(), requests: quantityMap() }),
    volumeName: str(),
    storageClassName: str(),
    volumeMode: oneOfStrings('Block', 'Filesystem'),
    dataSource: obj({ apiGroup: str(), kind: str(), name: str() }, ['kind', 'name']),
    dataSourceRef: obj({ apiGroup: str(), kind: str(), name: str(), namespace: str() }, ['kind', 'name']),
    volumeAttributesClassName: str(),
  }),
  [`${CORE}EphemeralVolumeSource`]: obj({
    volumeClaimTemplate: obj({ metadata: ref(`${META}ObjectMeta`), spec: C('PersistentVolumeClaimSpec') }, ['spec']),
  }),
  [`${CORE}ImageVolumeSource`]: obj({ reference: str(), pullPolicy: oneOfStrings(...PULL_POLICIES) }),
  [`${CORE}Volume`]: obj(
    {
      name: str(),
      hostPath: C('HostPathVolumeSource'),
      emptyDir: C('EmptyDirVolumeSource'),
      secret: C('SecretVolumeSource'),
      configMap: C('ConfigMapVolumeSource'),
      persistentVolumeClaim: C('PersistentVolumeClaimVolumeSource'),
      projected: C('ProjectedVolumeSource'),
      downwardAPI: C('DownwardAPIVolumeSource'),
      nfs: C('NFSVolumeSource'),
      csi: C('CSIVolumeSource'),
      ephemeral: C('EphemeralVolumeSource'),
      image: C('ImageVolumeSource'),
    },
    ['name'],
  ),

  [`${CORE}PodSpec`]: obj(
    {
      volumes: listMap(C('Volume'), 'name'),
      initContainers: listMap(C('Container'), 'name'),
      containers: listMap(C('Container'), 'name'),
      ephemeralContainers: listMap(C('EphemeralContainer'), 'name'),
      restartPolicy: oneOfStrings(...RESTART_POLICIES),
      terminationGracePeriodSeconds: int64({ minimum: 0 }),
      activeDeadlineSeconds: int64({ minimum: 1 }),
      dnsPolicy: oneOfStrings(...DNS_POLICIES),
      nodeSelector: strMap(),
      serviceAccountName: str(),
      serviceAccount: str(),
      automountServiceAccountToken: bool(),
      nodeName: str(),
      hostNetwork: bool(),
      hostPID: bool(),
      hostIPC: bool(),
      shareProcessNamespace: bool(),
      securityContext: C('PodSecurityContext'),
      imagePullSecrets: listMap(C('LocalObjectReference'), 'name'),
      hostname: str(),
      subdomain: str(),
      affinity: C('Affinity'),
      schedulerName: str(),
      tolerations: arr(C('Toleration')),
      hostAliases: listMap(C('HostAlias'), 'ip'),
      priorityClassName: str(),
      priority: int32(),
      dnsConfig: C('PodDNSConfig'),
      readinessGates: arr(obj({ conditionType: str() }, ['conditionType'])),
      runtimeClassName: str(),
      enableServiceLinks: bool(),
      preemptionPolicy: oneOfStrings('PreemptLowerPriority', 'Never'),
      overhead: quantityMap(),
      topologySpreadConstraints: listMap(C('TopologySpreadConstraint'), 'topologyKey', ['whenUnsatisfiable']),
      setHostnameAsFQDN: bool(),
      os: obj({ name: oneOfStrings('linux', 'windows') }, ['name']),
      hostUsers: bool(),
      schedulingGates: listMap(obj({ name: str() }, ['name']), 'name'),
      resourceClaims: listMap(
        obj({ name: str(), resourceClaimName: str(), resourceClaimTemplateName: str() }, ['name']),
        'name',
      ),
      resources: C('ResourceRequirements'),
    },
    ['containers'],
  ),

  // Status.
  [`${CORE}ContainerState`]: obj({
    waiting: obj({ reason: str(), message: str() }),
    running: obj({ startedAt: ref(TIME) }),
    terminated: obj(
      {
        exitCode: int32(),
        signal: int32(),
        reason: str(),
        message: str(),
        startedAt: ref(TIME),
        finishedAt: ref(TIME),
        containerID: str(),
      },
      ['exitCode'],
    ),
  }),
  [`${CORE}ContainerStatus`]: obj(
    {
      name: str(),
      state: C('ContainerState'),
      lastState: C('ContainerState'),
      ready: bool(),
      restartCount: int32(),
      image: str(),
      imageID: str(),
      containerID: str(),
      started: bool(),
      allocatedResources: quantityMap(),
      resources: C('ResourceRequirements'),
      volumeMounts: arr(obj({ name: str(), mountPath: str(), readOnly: bool(), recursiveReadOnly: str() }, ['name', 'mountPath'])),
      user: obj({ linux: obj({ uid: int64(), gid: int64(), supplementalGroups: arr(int64()) }) }),
      stopSignal: str(),
    },
    ['name'],
  ),
  [`${CORE}PodIP`]: obj({ ip: str() }),
  [`${CORE}PodStatus`]: obj({
    observedGeneration: int64(),
    phase: oneOfStrings(...POD_PHASES),
    conditions: conditionsOf('PodCondition', ['lastProbeTime', 'lastTransitionTime']),
    message: str(),
    reason: str(),
    nominatedNodeName: str(),
    hostIP: str(),
    hostIPs: listMap(C('PodIP'), 'ip'),
    podIP: str(),
    podIPs: listMap(C('PodIP'), 'ip'),
    startTime: ref(TIME),
    initContainerStatuses: arr(C('ContainerStatus')),
    containerStatuses: arr(C('ContainerStatus')),
    ephemeralContainerStatuses: arr(C('ContainerStatus')),
    qosClass: oneOfStrings('Guaranteed', 'Burstable', 'BestEffort'),
    resize: str(),
    resourceClaimStatuses: arr(obj({ name: str(), resourceClaimName: str() }, ['name'])),
  }),
  [`${CORE}PodTemplateSpec`]: obj({ metadata: ref(`${META}ObjectMeta`), spec: C('PodSpec') }),
  [`${CORE}Pod`]: kind('', 'v1', 'Pod', { spec: C('PodSpec'), status: C('PodStatus') }),
  [`${CORE}Binding`]: kind('', 'v1', 'Binding', { target: C('ObjectReference') }, ['target']),
};

