// A Job's podFailurePolicy, as Kubernetes applies it to a failed pod: the
// first rule that matches decides — FailJob (the Job fails at once), FailIndex
// (that index fails, with backoffLimitPerIndex), Ignore (the failure is not
// counted, the pod is replaced) or Count (counted towards backoffLimit, as
// with no match). onExitCodes looks at terminated containers (exit code 0 is
// never a match), optionally one containerName; onPodConditions at the pod's
// conditions (e.g. DisruptionTarget after an eviction or preemption).
import type { Pod } from './workload-types';

export type PodFailureAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface PodFailurePolicyRule {
  action: PodFailureAction;
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn'; values: number[] };
  onPodConditions?: Array<{ type: string; status?: string }>;
}

export interface PodFailurePolicy {
  rules: PodFailurePolicyRule[];
}

export interface PolicyMatch {
  action: PodFailureAction;
  /** Why, as Kubernetes words it in the Job's Failed condition. */
  message: string;
}

interface ContainerStatus {
  name: string;
  state?: { terminated?: { exitCode?: number } };
}

/** The matching rule's action for a failed pod; undefined when no rule matches (the failure counts). */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PolicyMatch | undefined {
  if (!policy) return undefined;
  const podName = `${pod.metadata.namespace}/${pod.metadata.name}`;
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    if (rule.onExitCodes) {
      const hit = matchingContainer(rule.onExitCodes, pod);
      if (hit) return { action: rule.action, message: `Container ${hit.name} for pod ${podName} failed with exit code ${hit.exitCode} matching ${rule.action} rule at index ${index}` };
    } else if (rule.onPodConditions) {
      for (const pattern of rule.onPodConditions) {
        const cond = pod.status?.conditions?.find((c) => c.type === pattern.type && c.status === (pattern.status ?? 'True'));
        if (cond) return { action: rule.action, message: `Pod ${podName} has condition ${cond.type} matching ${rule.action} rule at index ${index}` };
      }
    }
  }
  return undefined;
}

function matchingContainer(req: NonNullable<PodFailurePolicyRule['onExitCodes']>, pod: Pod): { name: string; exitCode: number } | undefined {
  const status = pod.status as { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] } | undefined;
  for (const cs of [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])]) {
    const code = cs.state?.terminated?.exitCode;
    if (code === undefined || code === 0) continue;
    if (req.containerName && req.containerName !== cs.name) continue;
    const listed = req.values.includes(code);
    if (req.operator === 'In' ? listed : !listed) return { name: cs.name, exitCode: code };
  }
  return undefined;
}
