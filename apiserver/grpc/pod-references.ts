// The ConfigMaps and Secrets a pod references, as Kubernetes' NodeAuthorizer
// graph records them (plugin/pkg/auth/authorizer/node/graph_populator.go):
// env valueFrom, envFrom, volumes (configMap, secret, projected sources) and
// imagePullSecrets, over init, app and ephemeral containers.
export type PodObjectKind = 'ConfigMap' | 'Secret';

interface NameRef {
  name?: string;
}

interface ContainerRefs {
  env?: { valueFrom?: { configMapKeyRef?: NameRef; secretKeyRef?: NameRef } }[];
  envFrom?: { configMapRef?: NameRef; secretRef?: NameRef }[];
}

interface ProjectionRefs {
  configMap?: NameRef;
  secret?: NameRef;
}

interface VolumeRefs {
  configMap?: NameRef;
  secret?: { secretName?: string };
  projected?: { sources?: ProjectionRefs[] };
}

interface PodSpecRefs {
  containers?: ContainerRefs[];
  initContainers?: ContainerRefs[];
  ephemeralContainers?: ContainerRefs[];
  volumes?: VolumeRefs[];
  imagePullSecrets?: NameRef[];
}

/** Whether the pod spec names the object of that kind (in the pod's own namespace). */
export function podReferences(spec: unknown, kind: PodObjectKind, name: string): boolean {
  const s = (spec ?? {}) as PodSpecRefs;
  const names = new Set<string | undefined>();
  const isConfigMap = kind === 'ConfigMap';
  for (const c of [...(s.containers ?? []), ...(s.initContainers ?? []), ...(s.ephemeralContainers ?? [])]) {
    for (const e of c.env ?? []) names.add(isConfigMap ? e.valueFrom?.configMapKeyRef?.name : e.valueFrom?.secretKeyRef?.name);
    for (const e of c.envFrom ?? []) names.add(isConfigMap ? e.configMapRef?.name : e.secretRef?.name);
  }
  for (const v of s.volumes ?? []) {
    names.add(isConfigMap ? v.configMap?.name : v.secret?.secretName);
    for (const p of v.projected?.sources ?? []) names.add(isConfigMap ? p.configMap?.name : p.secret?.name);
  }
  if (!isConfigMap) for (const p of s.imagePullSecrets ?? []) names.add(p.name);
  return names.has(name);
}
