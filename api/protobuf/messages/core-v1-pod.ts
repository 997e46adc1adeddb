// core/v1 PodTemplateSpec and everything a PodSpec holds. Volume plugins that
// Kubernetes deprecated (cloud disks, gitRepo, ...) and ephemeral containers
// (never set on create) are not described, so their fields are skipped.
// Field numbers are those of Kubernetes' generated.proto (k8s.io/api/core/v1);
// JSON names and zero-value handling follow the Go types' json tags.
import { KEEP_ZERO, MessageTable, field, inline, list, map } from '../descriptors';

export const CORE_V1_POD_MESSAGES: MessageTable = {
  PodTemplateSpec: {
    1: field('metadata', 'ObjectMeta'),
    2: field('spec', 'PodSpec'),
  },
  PodSpec: {
    1: list('volumes', 'Volume'),
    2: list('containers', 'Container'),
    3: field('restartPolicy', 'string'),
    4: field('terminationGracePeriodSeconds', 'int64', KEEP_ZERO),
    5: field('activeDeadlineSeconds', 'int64', KEEP_ZERO),
    6: field('dnsPolicy', 'string'),
    7: map('nodeSelector', 'string'),
    8: field('serviceAccountName', 'string'),
    9: field('serviceAccount', 'string'),
    10: field('nodeName', 'string'),
    11: field('hostNetwork', 'bool'),
    12: field('hostPID', 'bool'),
    13: field('hostIPC', 'bool'),
    14: field('securityContext', 'PodSecurityContext'),
    15: list('imagePullSecrets', 'LocalObjectReference'),
    16: field('hostname', 'string'),
    17: field('subdomain', 'string'),
    18: field('affinity', 'Affinity'),
    19: field('schedulerName', 'string'),
    20: list('initContainers', 'Container'),
    21: field('automountServiceAccountToken', 'bool', KEEP_ZERO),
    22: list('tolerations', 'Toleration'),
    23: list('hostAliases', 'HostAlias'),
    24: field('priorityClassName', 'string'),
    25: field('priority', 'int32', KEEP_ZERO),
    26: field('dnsConfig', 'PodDNSConfig'),
    27: field('shareProcessNamespace', 'bool', KEEP_ZERO),
    28: list('readinessGates', 'PodReadinessGate'),
    29: field('runtimeClassName', 'string', KEEP_ZERO),
    30: field('enableServiceLinks', 'bool', KEEP_ZERO),
    31: field('preemptionPolicy', 'string', KEEP_ZERO),
    32: map('overhead', 'Quantity'),
    33: list('topologySpreadConstraints', 'TopologySpreadConstraint'),
    // 34: ephemeralContainers (EphemeralContainer) not described; skipped
    35: field('setHostnameAsFQDN', 'bool', KEEP_ZERO),
    36: field('os', 'PodOS'),
    37: field('hostUsers', 'bool', KEEP_ZERO),
    38: list('schedulingGates', 'PodSchedulingGate'),
    39: list('resourceClaims', 'PodResourceClaim'),
    40: field('resources', 'ResourceRequirements'),
    41: field('hostnameOverride', 'string', KEEP_ZERO),
    // 43: schedulingGroup (PodSchedulingGroup) not described; skipped
    // 44: evictionResponders (EvictionResponder) not described; skipped
  },
  Container: {
    1: field('name', 'string', KEEP_ZERO),
    2: field('image', 'string'),
    3: list('command', 'string'),
    4: list('args', 'string'),
    5: field('workingDir', 'string'),
    6: list('ports', 'ContainerPort'),
    7: list('env', 'EnvVar'),
    8: field('resources', 'ResourceRequirements'),
    9: list('volumeMounts', 'VolumeMount'),
    10: field('livenessProbe', 'Probe'),
    11: field('readinessProbe', 'Probe'),
    12: field('lifecycle', 'Lifecycle'),
    13: field('terminationMessagePath', 'string'),
    14: field('imagePullPolicy', 'string'),
    15: field('securityContext', 'SecurityContext'),
    16: field('stdin', 'bool'),
    17: field('stdinOnce', 'bool'),
    18: field('tty', 'bool'),
    19: list('envFrom', 'EnvFromSource'),
    20: field('terminationMessagePolicy', 'string'),
    21: list('volumeDevices', 'VolumeDevice'),
    22: field('startupProbe', 'Probe'),
    23: list('resizePolicy', 'ContainerResizePolicy'),
    24: field('restartPolicy', 'string', KEEP_ZERO),
    25: list('restartPolicyRules', 'ContainerRestartRule'),
  },
  Volume: {
    1: field('name', 'string', KEEP_ZERO),
    2: inline('VolumeSource'),
  },
  PodSecurityContext: {
    1: field('seLinuxOptions', 'SELinuxOptions'),
    2: field('runAsUser', 'int64', KEEP_ZERO),
    3: field('runAsNonRoot', 'bool', KEEP_ZERO),
    4: list('supplementalGroups', 'int64'),
    5: field('fsGroup', 'int64', KEEP_ZERO),
    6: field('runAsGroup', 'int64', KEEP_ZERO),
    7: list('sysctls', 'Sysctl'),
    8: field('windowsOptions', 'WindowsSecurityContextOptions'),
    9: field('fsGroupChangePolicy', 'string', KEEP_ZERO),
    10: field('seccompProfile', 'SeccompProfile'),
    11: field('appArmorProfile', 'AppArmorProfile'),
    12: field('supplementalGroupsPolicy', 'string', KEEP_ZERO),
    13: field('seLinuxChangePolicy', 'string', KEEP_ZERO),
  },
  Affinity: {
    1: field('nodeAffinity', 'NodeAffinity'),
    2: field('podAffinity', 'PodAffinity'),
    3: field('podAntiAffinity', 'PodAntiAffinity'),
  },
  Toleration: {
    1: field('key', 'string'),
    2: field('operator', 'string'),
    3: field('value', 'string'),
    4: field('effect', 'string'),
    5: field('tolerationSeconds', 'int64', KEEP_ZERO),
  },
  HostAlias: {
    1: field('ip', 'string', KEEP_ZERO),
    2: list('hostnames', 'string'),
  },
  PodDNSConfig: {
    1: list('nameservers', 'string'),
    2: list('searches', 'string'),
    3: list('options', 'PodDNSConfigOption'),
  },
  PodReadinessGate: {
    1: field('conditionType', 'string', KEEP_ZERO),
  },
  TopologySpreadConstraint: {
    1: field('maxSkew', 'int32', KEEP_ZERO),
    2: field('topologyKey', 'string', KEEP_ZERO),
    3: field('whenUnsatisfiable', 'string', KEEP_ZERO),
    4: field('labelSelector', 'LabelSelector'),
    5: field('minDomains', 'int32', KEEP_ZERO),
    6: field('nodeAffinityPolicy', 'string', KEEP_ZERO),
    7: field('nodeTaintsPolicy', 'string', KEEP_ZERO),
    8: list('matchLabelKeys', 'string'),
  },
  PodOS: {
    1: field('name', 'string', KEEP_ZERO),
  },
  PodSchedulingGate: {
    1: field('name', 'string', KEEP_ZERO),
  },
  PodResourceClaim: {
    1: field('name', 'string', KEEP_ZERO),
    3: field('resourceClaimName', 'string', KEEP_ZERO),
    4: field('resourceClaimTemplateName', 'string', KEEP_ZERO),
  },
  ResourceRequirements: {
    1: map('limits', 'Quantity'),
    2: map('requests', 'Quantity'),
    3: list('claims', 'ResourceClaim'),
  },
  VolumeSource: {
    1: field('hostPath', 'HostPathVolumeSource'),
    2: field('emptyDir', 'EmptyDirVolumeSource'),
    // 3: gcePersistentDisk (GCEPersistentDiskVolumeSource) not described; skipped
    // 4: awsElasticBlockStore (AWSElasticBlockStoreVolumeSource) not described; skipped
    // 5: gitRepo (GitRepoVolumeSource) not described; skipped
    6: field('secret', 'SecretVolumeSource'),
    7: field('nfs', 'NFSVolumeSource'),
    // 8: iscsi (ISCSIVolumeSource) not described; skipped
    // 9: glusterfs (GlusterfsVolumeSource) not described; skipped
    10: field('persistentVolumeClaim', 'PersistentVolumeClaimVolumeSource'),
    // 11: rbd (RBDVolumeSource) not described; skipped
    // 12: flexVolume (FlexVolumeSource) not described; skipped
    // 13: cinder (CinderVolumeSource) not described; skipped
    // 14: cephfs (CephFSVolumeSource) not described; skipped
    // 15: flocker (FlockerVolumeSource) not described; skipped
    16: field('downwardAPI', 'DownwardAPIVolumeSource'),
    // 17: fc (FCVolumeSource) not described; skipped
    // 18: azureFile (AzureFileVolumeSource) not described; skipped
    19: field('configMap', 'ConfigMapVolumeSource'),
    // 20: vsphereVolume (VsphereVirtualDiskVolumeSource) not described; skipped
    // 21: quobyte (QuobyteVolumeSource) not described; skipped
    // 22: azureDisk (AzureDiskVolumeSource) not described; skipped
    // 23: photonPersistentDisk (PhotonPersistentDiskVolumeSource) not described; skipped
    // 24: portworxVolume (PortworxVolumeSource) not described; skipped
    // 25: scaleIO (ScaleIOVolumeSource) not described; skipped
    26: field('projected', 'ProjectedVolumeSource'),
    // 27: storageos (StorageOSVolumeSource) not described; skipped
    28: field('csi', 'CSIVolumeSource'),
    29: field('ephemeral', 'EphemeralVolumeSource'),
    30: field('image', 'ImageVolumeSource'),
  },
  ContainerPort: {
    1: field('name', 'string'),
    2: field('hostPort', 'int32'),
    3: field('containerPort', 'int32', KEEP_ZERO),
    4: field('protocol', 'string'),
    5: field('hostIP', 'string'),
  },
  EnvFromSource: {
    1: field('prefix', 'string'),
    2: field('configMapRef', 'ConfigMapEnvSource'),
    3: field('secretRef', 'SecretEnvSource'),
  },
  EnvVar: {
    1: field('name', 'string', KEEP_ZERO),
    2: field('value', 'string'),
    3: field('valueFrom', 'EnvVarSource'),
  },
  ContainerResizePolicy: {
    1: field('resourceName', 'string', KEEP_ZERO),
    2: field('restartPolicy', 'string', KEEP_ZERO),
  },
  ContainerRestartRule: {
    1: field('action', 'string'),
    2: field('exitCodes', 'ContainerRestartRuleOnExitCodes'),
  },
  VolumeMount: {
    1: field('name', 'string', KEEP_ZERO),
    2: field('readOnly', 'bool'),
    3: field('mountPath', 'string', KEEP_ZERO),
    4: field('subPath', 'string'),
    5: field('mountPropagation', 'string', KEEP_ZERO),
    6: field('subPathExpr', 'string'),
    7: field('recursiveReadOnly', 'string', KEEP_ZERO),
    8: list('bindMountOptions', 'string'),
  },
  VolumeDevice: {
    1: field('name', 'string', KEEP_ZERO),
    2: field('devicePath', 'string', KEEP_ZERO),
  },
  Probe: {
    1: inline('ProbeHandler'),
    2: field('initialDelaySeconds', 'int32'),
    3: field('timeoutSeconds', 'int32'),
    4: field('periodSeconds', 'int32'),
    5: field('successThreshold', 'int32'),
    6: field('failureThreshold', 'int32'),
    7: field('terminationGracePeriodSeconds', 'int64', KEEP_ZERO),
  },
  Lifecycle: {
    1: field('postStart', 'LifecycleHandler'),
    2: field('preStop', 'LifecycleHandler'),
    3: field('stopSignal', 'string', KEEP_ZERO),
  },
  SecurityContext: {
    1: field('capabilities', 'Capabilities'),
    2: field('privileged', 'bool', KEEP_ZERO),
    3: field('seLinuxOptions', 'SELinuxOptions'),
    4: field('runAsUser', 'int64', KEEP_ZERO),
    5: field('runAsNonRoot', 'bool', KEEP_ZERO),
    6: field('readOnlyRootFilesystem', 'bool', KEEP_ZERO),
    7: field('allowPrivilegeEscalation', 'bool', KEEP_ZERO),
    8: field('runAsGroup', 'int64', KEEP_ZERO),
    9: field('procMount', 'string', KEEP_ZERO),
    10: field('windowsOptions', 'WindowsSecurityContextOptions'),
    11: field('seccompProfile', 'SeccompProfile'),
    12: field('appArmorProfile', 'AppArmorProfile'),
  },
  SELinuxOptions: {
    1: field('user', 'string'),
    2: field('role', 'string'),
    3: field('type', 'string'),
    4: field('level', 'string'),
  },
  WindowsSecurityContextOptions: {
    1: field('gmsaCredentialSpecName', 'string', KEEP_ZERO),
    2: field('gmsaCredentialSpec', 'string', KEEP_ZERO),
    3: field('runAsUserName', 'string', KEEP_ZERO),
    4: field('hostProcess', 'bool', KEEP_ZERO),
  },
  Sysctl: {
    1: field('name', 'string', KEEP_ZERO),
    2: field('value', 'string', KEEP_ZERO),
  },
  SeccompProfile: {
    1: field('type', 'string', KEEP_ZERO),
    2: field('localhostProfile', 'string', KEEP_ZERO),
  },
  AppArmorProfile: {
    1: field('type', 'string', KEEP_ZERO),
    2: field('localhostProfile', 'string', KEEP_ZERO),
  },
  NodeAffinity: {
    1: field('requiredDuringSchedulingIgnoredDuringExecution', 'NodeSelector'),
    2: list('preferredDuringSchedulingIgnoredDuringExecution', 'PreferredSchedulingTerm'),
  },
  PodAffinity: {
    1: list('requiredDuringSchedulingIgnoredDuringExecution', 'PodAffinityTerm'),
    2: list('preferredDuringSchedulingIgnoredDuringExecution', 'WeightedPodAffinityTerm'),
  },
  PodAntiAffinity: {
    1: list('requiredDuringSchedulingIgnoredDuringExecution', 'PodAffinityTerm'),
    2: list('preferredDuringSchedulingIgnoredDuringExecution', 'WeightedPodAffinityTerm'),
  },
  PodDNSConfigOption: {
    1: field('name', 'string'),
    2: field('value', 'string', KEEP_ZERO),
  },
  ResourceClaim: {
    1: field('name', 'string', KEEP_ZERO),
    2: field('request', 'string'),
  },
  HostPathVolumeSource: {
    1: field('path', 'string', KEEP_ZERO),
    2: field('type', 'string', KEEP_ZERO),
  },
  EmptyDirVolumeSource: {
    1: field('medium', 'string'),
    2: field('sizeLimit', 'Quantity'),
    3: field('mode', 'int32', KEEP_ZERO),
  },
  SecretVolumeSource: {
    1: field('secretName', 'string'),
    2: list('items', 'KeyToPath'),
    3: field('defaultMode', 'int32', KEEP_ZERO),
    4: field('optional', 'bool', KEEP_ZERO),
    5: field('defaultUser', 'int64', KEEP_ZERO),
  },
  NFSVolumeSource: {
    1: field('server', 'string', KEEP_ZERO),
    2: field('path', 'string', KEEP_ZERO),
    3: field('readOnly', 'bool'),
  },
  PersistentVolumeClaimVolumeSource: {
    1: field('claimName', 'string', KEEP_ZERO),
    2: field('readOnly', 'bool'),
  },
  DownwardAPIVolumeSource: {
    1: list('items', 'DownwardAPIVolumeFile'),
    2: field('defaultMode', 'int32', KEEP_ZERO),
    3: field('defaultUser', 'int64', KEEP_ZERO),
  },
  ConfigMapVolumeSource: {
    1: inline('LocalObjectReference'),
    2: list('items', 'KeyToPath'),
    3: field('defaultMode', 'int32', KEEP_ZERO),
    4: field('optional', 'bool', KEEP_ZERO),
    5: field('defaultUser', 'int64', KEEP_ZERO),
  },
  ProjectedVolumeSource: {
    1: list('sources', 'VolumeProjection'),
    2: field('defaultMode', 'int32', KEEP_ZERO),
    3: field('defaultUser', 'int64', KEEP_ZERO),
  },
  CSIVolumeSource: {
    1: field('driver', 'string', KEEP_ZERO),
    2: field('readOnly', 'bool', KEEP_ZERO),
    3: field('fsType', 'string', KEEP_ZERO),
    4: map('volumeAttributes', 'string'),
    5: field('nodePublishSecretRef', 'LocalObjectReference'),
  },
  EphemeralVolumeSource: {
    1: field('volumeClaimTemplate', 'PersistentVolumeClaimTemplate'),
  },
  ImageVolumeSource: {
    1: field('reference', 'string'),
    2: field('pullPolicy', 'string'),
  },
  ConfigMapEnvSource: {
    1: inline('LocalObjectReference'),
    2: field('optional', 'bool', KEEP_ZERO),
  },
  SecretEnvSource: {
    1: inline('LocalObjectReference'),
    2: field('optional', 'bool', KEEP_ZERO),
  },
  EnvVarSource: {
    1: field('fieldRef', 'ObjectFieldSelector'),
    2: field('resourceFieldRef', 'ResourceFieldSelector'),
    3: field('configMapKeyRef', 'ConfigMapKeySelector'),
    4: field('secretKeyRef', 'SecretKeySelector'),
    5: field('fileKeyRef', 'FileKeySelector'),
  },
  ContainerRestartRuleOnExitCodes: {
    1: field('operator', 'string'),
    2: list('values', 'int32'),
  },
  ProbeHandler: {
    1: field('exec', 'ExecAction'),
    2: field('httpGet', 'HTTPGetAction'),
    3: field('tcpSocket', 'TCPSocketAction'),
    4: field('grpc', 'GRPCAction'),
  },
  LifecycleHandler: {
    1: field('exec', 'ExecAction'),
    2: field('httpGet', 'HTTPGetAction'),
    3: field('tcpSocket', 'TCPSocketAction'),
    4: field('sleep', 'SleepAction'),
  },
  Capabilities: {
    1: list('add', 'string'),
    2: list('drop', 'string'),
  },
  NodeSelector: {
    1: list('nodeSelectorTerms', 'NodeSelectorTerm'),
  },
  PreferredSchedulingTerm: {
    1: field('weight', 'int32', KEEP_ZERO),
    2: field('preference', 'NodeSelectorTerm'),
  },
  PodAffinityTerm: {
    1: field('labelSelector', 'LabelSelector'),
    2: list('namespaces', 'string'),
    3: field('topologyKey', 'string', KEEP_ZERO),
    4: field('namespaceSelector', 'LabelSelector'),
    5: list('matchLabelKeys', 'string'),
    6: list('mismatchLabelKeys', 'string'),
  },
  WeightedPodAffinityTerm: {
    1: field('weight', 'int32', KEEP_ZERO),
    2: field('podAffinityTerm', 'PodAffinityTerm'),
  },
  KeyToPath: {
    1: field('key', 'string', KEEP_ZERO),
    2: field('path', 'string', KEEP_ZERO),
    3: field('mode', 'int32', KEEP_ZERO),
    4: field('user', 'int64', KEEP_ZERO),
  },
  DownwardAPIVolumeFile: {
    1: field('path', 'string', KEEP_ZERO),
    2: field('fieldRef', 'ObjectFieldSelector'),
    3: field('resourceFieldRef', 'ResourceFieldSelector'),
    4: field('mode', 'int32', KEEP_ZERO),
    5: field('user', 'int64', KEEP_ZERO),
  },
  VolumeProjection: {
    1: field('secret', 'SecretProjection'),
    2: field('downwardAPI', 'DownwardAPIProjection'),
    3: field('configMap', 'ConfigMapProjection'),
    4: field('serviceAccountToken', 'ServiceAccountTokenProjection'),
    5: field('clusterTrustBundle', 'ClusterTrustBundleProjection'),
    6: field('podCertificate', 'PodCertificateProjection'),
  },
  PersistentVolumeClaimTemplate: {
    1: field('metadata', 'ObjectMeta'),
    2: field('spec', 'PersistentVolumeClaimSpec'),
  },
  ObjectFieldSelector: {
    1: field('apiVersion', 'string'),
    2: field('fieldPath', 'string', KEEP_ZERO),
  },
  ResourceFieldSelector: {
    1: field('containerName', 'string'),
    2: field('resource', 'string', KEEP_ZERO),
    3: field('divisor', 'Quantity'),
  },
  ConfigMapKeySelector: {
    1: inline('LocalObjectReference'),
    2: field('key', 'string', KEEP_ZERO),
    3: field('optional', 'bool', KEEP_ZERO),
  },
  SecretKeySelector: {
    1: inline('LocalObjectReference'),
    2: field('key', 'string', KEEP_ZERO),
    3: field('optional', 'bool', KEEP_ZERO),
  },
  FileKeySelector: {
    1: field('volumeName', 'string', KEEP_ZERO),
    2: field('path', 'string', KEEP_ZERO),
    3: field('key', 'string', KEEP_ZERO),
    4: field('optional', 'bool', KEEP_ZERO),
  },
  ExecAction: {
    1: list('command', 'string'),
  },
  HTTPGetAction: {
    1: field('path', 'string'),
    2: field('port', 'IntOrString'),
    3: field('host', 'string'),
    4: field('scheme', 'string'),
    5: list('httpHeaders', 'HTTPHeader'),
    6: field('protocol', 'string', KEEP_ZERO),
  },
  TCPSocketAction: {
    1: field('port', 'IntOrString'),
    2: field('host', 'string'),
  },
  GRPCAction: {
    1: field('port', 'int32', KEEP_ZERO),
    2: field('service', 'string', KEEP_ZERO),
    3: field('mode', 'string', KEEP_ZERO),
  },
  SleepAction: {
    1: field('seconds', 'int64', KEEP_ZERO),
  },
  NodeSelectorTerm: {
    1: list('matchExpressions', 'NodeSelectorRequirement'),
    2: list('matchFields', 'NodeSelectorRequirement'),
  },
  SecretProjection: {
    1: inline('LocalObjectReference'),
    2: list('items', 'KeyToPath'),
    4: field('optional', 'bool', KEEP_ZERO),
  },
  DownwardAPIProjection: {
    1: list('items', 'DownwardAPIVolumeFile'),
  },
  ConfigMapProjection: {
    1: inline('LocalObjectReference'),
    2: list('items', 'KeyToPath'),
    4: field('optional', 'bool', KEEP_ZERO),
  },
  ServiceAccountTokenProjection: {
    1: field('audience', 'string'),
    2: field('expirationSeconds', 'int64', KEEP_ZERO),
    3: field('path', 'string', KEEP_ZERO),
    4: field('user', 'int64', KEEP_ZERO),
  },
  ClusterTrustBundleProjection: {
    1: field('name', 'string', KEEP_ZERO),
    2: field('signerName', 'string', KEEP_ZERO),
    3: field('labelSelector', 'LabelSelector'),
    4: field('path', 'string', KEEP_ZERO),
    5: field('optional', 'bool', KEEP_ZERO),
    6: field('user', 'int64', KEEP_ZERO),
  },
  PodCertificateProjection: {
    1: field('signerName', 'string'),
    2: field('keyType', 'string'),
    3: field('maxExpirationSeconds', 'int32', KEEP_ZERO),
    4: field('credentialBundlePath', 'string'),
    5: field('keyPath', 'string'),
    6: field('certificateChainPath', 'string'),
    7: map('userAnnotations', 'string'),
    8: field('user', 'int64', KEEP_ZERO),
  },
  PersistentVolumeClaimSpec: {
    1: list('accessModes', 'string'),
    2: field('resources', 'VolumeResourceRequirements'),
    3: field('volumeName', 'string'),
    4: field('selector', 'LabelSelector'),
    5: field('storageClassName', 'string', KEEP_ZERO),
    6: field('volumeMode', 'string', KEEP_ZERO),
    7: field('dataSource', 'TypedLocalObjectReference'),
    8: field('dataSourceRef', 'TypedObjectReference'),
    9: field('volumeAttributesClassName', 'string', KEEP_ZERO),
  },
  HTTPHeader: {
    1: field('name', 'string', KEEP_ZERO),
    2: field('value', 'string', KEEP_ZERO),
  },
  NodeSelectorRequirement: {
    1: field('key', 'string', KEEP_ZERO),
    2: field('operator', 'string', KEEP_ZERO),
    3: list('values', 'string'),
  },
  VolumeResourceRequirements: {
    1: map('limits', 'Quantity'),
    2: map('requests', 'Quantity'),
  },
  TypedLocalObjectReference: {
    1: field('apiGroup', 'string', KEEP_ZERO),
    2: field('kind', 'string', KEEP_ZERO),
    3: field('name', 'string', KEEP_ZERO),
  },
  TypedObjectReference: {
    1: field('apiGroup', 'string', KEEP_ZERO),
    2: field('kind', 'string', KEEP_ZERO),
    3: field('name', 'string', KEEP_ZERO),
    4: field('namespace', 'string', KEEP_ZERO),
  },
};
