// Node conditions as a kubelet writes them: merged by type, lastHeartbeatTime
// on every report, lastTransitionTime only when the status changes.
import { errors } from '../../api/errors';
import { rfc3339 } from '../registry/store';
import type { NodeCondition } from '../../proto/generated/node';

export interface NodeConditionJson {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

const STATUSES = ['True', 'False', 'Unknown'];

export function checkConditions(nodeName: string, reported: NodeCondition[]): void {
  reported.forEach((c, i) => {
    if (!c.type) {
      throw errors.invalid('Node', '', nodeName, [{ reason: 'FieldValueRequired', field: `conditions[${i}].type`, message: 'Required value' }]);
    }
    if (!STATUSES.includes(c.status)) {
      throw errors.invalid('Node', '', nodeName, [{
        reason: 'FieldValueNotSupported',
        field: `conditions[${i}].status`,
        message: `Unsupported value: "${c.status}": supported values: "True", "False", "Unknown"`,
      }]);
    }
  });
}

export function mergeConditions(existing: NodeConditionJson[] | undefined, reported: NodeCondition[], now: Date): NodeConditionJson[] {
  const merged = (existing ?? []).map((c) => ({ ...c }));
  const stamp = rfc3339(now);
  for (const r of reported) {
    const next: NodeConditionJson = { type: r.type, status: r.status, lastHeartbeatTime: stamp, lastTransitionTime: stamp };
    if (r.reason) next.reason = r.reason;
    if (r.message) next.message = r.message;
    const i = merged.findIndex((c) => c.type === r.type);
    if (i < 0) {
      merged.push(next);
    } else {
      if (merged[i].status === r.status && merged[i].lastTransitionTime) next.lastTransitionTime = merged[i].lastTransitionTime;
      merged[i] = next;
    }
  }
  return merged;
}
