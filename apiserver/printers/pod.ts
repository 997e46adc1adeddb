// Pods: NAME READY STATUS RESTARTS AGE (+ IP NODE NOMINATED NODE READINESS GATES).
// STATUS is the single word kubectl derives from phase, init containers,
// container states and deletion, in kubectl's order of precedence.
import type { KubeObject } from '../../api/types';
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, Json, spec, status } from './printer-helpers';

export const podPrinter: Printer = {
  columns: [
    nameColumn,
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn,
    column('IP', 'string', 'IP address allocated to the pod. Routable at least within the cluster.', 1),
    column('Node', 'string', 'NodeName is a request to schedule this pod onto a specific node.', 1),
    column('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    column('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  row(obj, now) {
    const s = podSummary(obj, now);
    const st = status(obj);
    const podIP: string = st.podIPs?.[0]?.ip || st.podIP || '<none>';
    return [
      obj.metadata.name,
      `${s.ready}/${s.total}`,
      s.reason,
      s.restarts,
      humanAge(obj.metadata.creationTimestamp, now),
      podIP,
      spec(obj).nodeName || '<none>',
      st.nominatedNodeName || '<none>',
      readinessGates(obj),
    ];
  },
};

export interface PodSummary {
  ready: number;
  total: number;
  reason: string;
  restarts: string;
}

function isRestartableInit(c: Json | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** The READY, STATUS and RESTARTS cells of a pod. */
export function podSummary(pod: KubeObject, now: Date): PodSummary {
  const sp = spec(pod);
  const st = status(pod);
  const initSpecs: Json[] = sp.initContainers ?? [];
  let total = (sp.containers ?? []).length + initSpecs.filter(isRestartableInit).length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: string | undefined;
  let lastSidecarRestart: string | undefined;
  let reason: string = st.reason || st.phase || 'Pending';

  for (const c of st.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  let initializing = false;
  const initStatuses: Json[] = st.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const cSpec = initSpecs.find((x) => x.name === c.name);
    restarts += c.restartCount ?? 0;
    const finished: string | undefined = c.lastState?.terminated?.finishedAt;
    lastRestart = later(lastRestart, finished);
    if (isRestartableInit(cSpec)) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, finished);
    }
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (isRestartableInit(cSpec) && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (term) {
      reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
    } else if (wait?.reason && wait.reason !== 'PodInitializing') {
      reason = `Init:${wait.reason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  const initialized = (st.conditions ?? []).some((c: Json) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses: Json[] = st.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const wait = c.state?.waiting;
      const term = c.state?.terminated;
      if (wait?.reason) reason = wait.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = (st.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp && st.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && st.phase !== 'Succeeded' && st.phase !== 'Failed') reason = 'Terminating';

  const restartsText = restarts !== 0 && lastRestart ? `${restarts} (${humanAge(lastRestart, now)} ago)` : String(restarts);
  total = Math.max(total, 0);
  return { ready, total, reason, restarts: restartsText };
}

function readinessGates(pod: KubeObject): string {
  const gates: Json[] = spec(pod).readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conditions: Json[] = status(pod).conditions ?? [];
  const met = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${met}/${gates.length}`;
}
