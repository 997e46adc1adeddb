// `kctl describe TYPE NAME`: the fields a person looks at first, per kind,
// then the object's Events (selected by involvedObject name, namespace, kind, uid).
import { isApiError } from '../api/errors';
import { findByKind, ResourceInfo } from '../api/resources';
import type { KubeObject } from '../api/types';
import { ageOf as humanAge } from '../api/human-duration';
import { formatError } from './errors';
import { str, UsageError } from './flags';
import { parseTypeArgs } from './get';
import { toYaml } from './object-output';
import type { Session } from './session';
import { TableWriter } from './table-writer';

type Json = Record<string, any>;
type Line = [label: string, value: string] | string;

export async function runDescribe(session: Session, args: string[]): Promise<number> {
  const requests = await parseTypeArgs(session, args);
  let failed = false;
  let first = true;
  for (const req of requests) {
    const ns = req.resource.namespaced ? session.namespace : undefined;
    let objects: KubeObject[] = [];
    if (req.names.length) {
      for (const name of req.names) {
        try {
          objects.push(await session.client.get(req.resource, ns, name));
        } catch (err) {
          if (!isApiError(err, 'NotFound')) throw err;
          session.io.err(formatError(err) + '\n');
          failed = true;
        }
      }
    } else {
      objects = (await session.client.listAll(req.resource, ns, { labelSelector: str(session.flags, 'selector') })).items;
    }
    for (const obj of objects) {
      if (!first) session.io.out('\n\n');
      first = false;
      session.io.out(await describe(session, req.resource, obj));
    }
  }
  if (first && !failed) throw new UsageError('no objects to describe');
  return failed ? 1 : 0;
}

export async function describe(session: Session, r: ResourceInfo, obj: KubeObject): Promise<string> {
  const now = new Date();
  const m = obj.metadata;
  const lines: Line[] = [['Name', m.name ?? '']];
  if (r.namespaced) lines.push(['Namespace', m.namespace ?? '']);
  lines.push(['Labels', mapLines(m.labels)], ['Annotations', mapLines(m.annotations, true)]);
  lines.push(['CreationTimestamp', m.creationTimestamp ?? '<unset>']);
  if (m.deletionTimestamp) lines.push(['DeletionTimestamp', m.deletionTimestamp]);
  const owner = m.ownerReferences?.find((o) => o.controller);
  if (owner) lines.push(['Controlled By', `${owner.kind}/${owner.name}`]);
  lines.push(...(await kindLines(session, r, obj)));
  let text = renderLines(lines);
  text += await eventsSection(session, r, obj, now);
  return text;
}

function mapLines(map: Record<string, string> | undefined, skipLastApplied = false): string {
  const keys = Object.keys(map ?? {})
    .filter((k) => !(skipLastApplied && k === 'kubectl.kubernetes.io/last-applied-configuration'))
    .sort();
  return keys.length ? keys.map((k) => `${k}=${map![k]}`).join('\n') : '<none>';
}

/** `Label:  value` lines aligned like kubectl; multi-line values continue under the value column. */
function renderLines(lines: Line[]): string {
  const width = Math.max(...lines.filter((l): l is [string, string] => typeof l !== 'string').map(([k]) => k.length + 2)) + 1;
  return lines
    .map((l) => {
      if (typeof l === 'string') return l + '\n';
      const [label, value] = l;
      const [firstLine, ...more] = value.split('\n');
      return `${(label + ':').padEnd(width)}${firstLine}\n` + more.map((v) => `${' '.repeat(width)}${v}\n`).join('');
    })
    .join('');
}

async function kindLines(session: Session, r: ResourceInfo, obj: KubeObject): Promise<Line[]> {
  const spec = (obj.spec ?? {}) as Json;
  const status = (obj.status ?? {}) as Json;
  switch (r.kind) {
    case 'Pod':
      return [
        ['Node', spec.nodeName ? `${spec.nodeName}${status.hostIP ? `/${status.hostIP}` : ''}` : '<none>'],
        ['Start Time', status.startTime ?? '<unset>'],
        ['Status', obj.metadata.deletionTimestamp ? 'Terminating' : status.phase ?? 'Pending'],
        ['IP', status.podIP ?? ''],
        'Containers:',
        ...containerLines(spec.containers ?? [], status.containerStatuses ?? []),
        ...conditionLines(status.conditions),
      ];
    case 'Deployment':
    case 'ReplicaSet':
    case 'DaemonSet': {
      const lines: Line[] = [['Selector', selectorText(spec.selector)]];
      if (r.kind === 'Deployment') {
        const desired = spec.replicas ?? 1;
        lines.push(['Replicas', `${desired} desired | ${status.updatedReplicas ?? 0} updated | ${status.replicas ?? 0} total | ${status.availableReplicas ?? 0} available | ${status.unavailableReplicas ?? 0} unavailable`]);
        lines.push(['StrategyType', spec.strategy?.type ?? 'RollingUpdate']);
      } else if (r.kind === 'ReplicaSet') {
        lines.push(['Replicas', `${status.replicas ?? 0} current / ${spec.replicas ?? 1} desired`]);
      } else {
        lines.push(['Desired Number of Nodes Scheduled', String(status.desiredNumberScheduled ?? 0)], ['Current Number of Nodes Scheduled', String(status.currentNumberScheduled ?? 0)]);
      }
      lines.push('Pod Template:', `  Labels:  ${mapLines(spec.template?.metadata?.labels).replace(/\n/g, '\n           ')}`, '  Containers:');
      lines.push(...containerLines(spec.template?.spec?.containers ?? [], [], '   '));
      lines.push(...conditionLines(status.conditions));
      return lines;
    }
    case 'Service': {
      const ports: Json[] = spec.ports ?? [];
      const lines: Line[] = [
        ['Selector', mapLines(spec.selector).replace(/\n/g, ',')],
        ['Type', spec.type ?? 'ClusterIP'],
        ['IP', spec.clusterIP ?? '<none>'],
      ];
      for (const p of ports) {
        lines.push(['Port', `${p.name || '<unset>'}  ${p.port}/${p.protocol ?? 'TCP'}`], ['TargetPort', `${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}`]);
        if (p.nodePort) lines.push(['NodePort', `${p.name || '<unset>'}  ${p.nodePort}/${p.protocol ?? 'TCP'}`]);
      }
      lines.push(['Endpoints', await serviceEndpoints(session, obj)]);
      return lines;
    }
    case 'Node': {
      const addresses: Json[] = status.addresses ?? [];
      return [
        ['Unschedulable', String(spec.unschedulable === true)],
        ...conditionLines(status.conditions),
        'Addresses:',
        ...addresses.map((a): Line => `  ${a.type}:  ${a.address}`),
        ['Capacity', mapLines(status.capacity)],
        ['PodCIDR', spec.podCIDR ?? ''],
      ];
    }
    case 'Namespace':
      return [['Status', status.phase ?? 'Active']];
    default: {
      const rest: Json = { ...obj };
      for (const k of ['apiVersion', 'kind', 'metadata']) delete rest[k];
      if (Object.keys(rest).length === 0) return [];
      return toYaml(rest).trimEnd().split('\n');
    }
  }
}

function containerLines(containers: Json[], statuses: Json[], indent = ' '): Line[] {
  const lines: Line[] = [];
  for (const c of containers) {
    const st = statuses.find((s) => s.name === c.name);
    lines.push(`${indent} ${c.name}:`);
    lines.push(`${indent}   Image:      ${c.image ?? ''}`);
    const ports: Json[] = c.ports ?? [];
    lines.push(`${indent}   Port:       ${ports.length ? ports.map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ') : '<none>'}`);
    for (const [label, list] of [['Command', c.command], ['Args', c.args]] as const) {
      if (!Array.isArray(list)) continue;
      // One item per line, as kubectl shows them; multi-line items stay indented.
      lines.push(`${indent}   ${label}:`);
      for (const item of list as string[]) lines.push(...String(item).trimEnd().split('\n').map((l) => `${indent}     ${l}`));
    }
    if (st) {
      const state = Object.keys(st.state ?? {})[0] ?? 'Waiting';
      const reason = st.state?.[state]?.reason;
      lines.push(`${indent}   State:      ${state[0].toUpperCase()}${state.slice(1)}${reason ? ` (${reason})` : ''}`);
      lines.push(`${indent}   Ready:      ${st.ready ? 'True' : 'False'}`);
      lines.push(`${indent}   Restart Count:  ${st.restartCount ?? 0}`);
    }
  }
  return lines;
}

function conditionLines(conditions: Json[] | undefined): Line[] {
  if (!conditions?.length) return [];
  const rows = [['  Type', 'Status', 'Reason'], ['  ----', '------', '------'], ...conditions.map((c) => [`  ${c.type}`, String(c.status), c.reason ?? ''])];
  return ['Conditions:', ...new TableWriter().format(rows).trimEnd().split('\n')];
}

function selectorText(sel: Json | undefined): string {
  const labels = sel?.matchLabels ?? {};
  const parts = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`);
  for (const e of sel?.matchExpressions ?? []) parts.push(`${e.key} ${String(e.operator).toLowerCase()} (${(e.values ?? []).join(',')})`);
  return parts.length ? parts.join(',') : '<none>';
}

async function serviceEndpoints(session: Session, svc: KubeObject): Promise<string> {
  const endpoints = findByKind('v1', 'Endpoints')!;
  try {
    const ep = (await session.client.get(endpoints, svc.metadata.namespace, svc.metadata.name ?? '')) as Json;
    const all: string[] = [];
    for (const ss of ep.subsets ?? []) for (const a of ss.addresses ?? []) for (const p of ss.ports ?? [{}]) all.push(p.port ? `${a.ip}:${p.port}` : a.ip);
    return all.length ? all.join(',') : '<none>';
  } catch (err) {
    if (isApiError(err, 'NotFound')) return '<none>';
    throw err;
  }
}

async function eventsSection(session: Session, r: ResourceInfo, obj: KubeObject, now: Date): Promise<string> {
  const events = findByKind('v1', 'Event')!;
  const m = obj.metadata;
  const selector = [`involvedObject.name=${m.name}`, `involvedObject.namespace=${m.namespace ?? ''}`, `involvedObject.kind=${r.kind}`];
  if (m.uid) selector.push(`involvedObject.uid=${m.uid}`);
  let items: Json[];
  try {
    items = (await session.client.listAll(events, m.namespace || undefined, { fieldSelector: selector.join(',') })).items as Json[];
  } catch (err) {
    if (isApiError(err, 'NotFound') || isApiError(err, 'BadRequest')) return 'Events:  <none>\n';
    throw err;
  }
  if (items.length === 0) return 'Events:  <none>\n';
  const time = (e: Json) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  items.sort((a, b) => Date.parse(time(a) ?? 0) - Date.parse(time(b) ?? 0));
  const rows = [
    ['  Type', 'Reason', 'Age', 'From', 'Message'],
    ['  ----', '------', '----', '----', '-------'],
    ...items.map((e) => {
      const count = e.count ?? e.series?.count ?? 1;
      const age = humanAge(time(e), now) + (count > 1 ? ` (x${count} over ${humanAge(e.firstTimestamp ?? time(e), now)})` : '');
      return [`  ${e.type ?? ''}`, e.reason ?? '', age, e.source?.component ?? e.reportingController ?? '', String(e.message ?? '').trim()];
    }),
  ];
  return 'Events:\n' + new TableWriter().format(rows);
}
