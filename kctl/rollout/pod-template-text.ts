// A pod template described as `kubectl rollout history --revision N` prints it
// (kubectl's DescribePodTemplate: tab-separated label/value lines, not aligned).

// Objects of kinds kctl has no compiled types for.
type Json = any;

function multiline(title: string, map: Record<string, string> | undefined, sep: string): string {
  const keys = Object.keys(map ?? {}).sort();
  if (keys.length === 0) return `${title}:\t<none>\n`;
  return keys.map((k, i) => `${i === 0 ? `${title}:` : ''}\t${k}${sep}${map![k]}\n`).join('');
}

function containers(label: string, list: Json[]): string {
  let out = `  ${label}:\n`;
  for (const c of list) {
    out += `   ${c.name}:\n    Image:\t${c.image ?? ''}\n`;
    const ports: Json[] = c.ports ?? [];
    if (ports.length === 0) out += '    Port:\t<none>\n    Host Port:\t<none>\n';
    for (const p of ports) out += `    Port:\t${p.containerPort}/${p.protocol ?? 'TCP'}\n    Host Port:\t${p.hostPort ?? 0}/${p.protocol ?? 'TCP'}\n`;
    for (const [name, items] of [['Command', c.command], ['Args', c.args]] as const) {
      if (Array.isArray(items) && items.length) out += `    ${name}:\n` + items.map((a: string) => `      ${a}\n`).join('');
    }
    for (const kind of ['limits', 'requests'] as const) {
      const res = c.resources?.[kind];
      if (res && Object.keys(res).length) out += `    ${kind[0].toUpperCase()}${kind.slice(1)}:\n` + Object.keys(res).sort().map((k) => `      ${k}:\t${res[k]}\n`).join('');
    }
    const env: Json[] = c.env ?? [];
    out += env.length ? '    Environment:\n' + env.map((e) => `      ${e.name}:\t${e.value ?? (e.valueFrom ? '<set from a reference>' : '')}\n`).join('') : '    Environment:\t<none>\n';
    const mounts: Json[] = c.volumeMounts ?? [];
    out += mounts.length ? '    Mounts:\n' + mounts.map((m) => `      ${m.mountPath} from ${m.name} (${m.readOnly ? 'ro' : 'rw'})\n`).join('') : '    Mounts:\t<none>\n';
  }
  return out;
}

export function podTemplateText(template: Json): string {
  const meta = template?.metadata ?? {};
  const spec = template?.spec ?? {};
  let out = 'Pod Template:\n' + multiline('  Labels', meta.labels, '=');
  if (Object.keys(meta.annotations ?? {}).length) out += multiline('  Annotations', meta.annotations, ': ');
  if (spec.serviceAccountName) out += `  Service Account:\t${spec.serviceAccountName}\n`;
  if (spec.initContainers?.length) out += containers('Init Containers', spec.initContainers);
  out += containers('Containers', spec.containers ?? []);
  const volumes: Json[] = spec.volumes ?? [];
  out += volumes.length ? '  Volumes:\n' + volumes.map((v) => `   ${v.name}:\t${Object.keys(v).filter((k) => k !== 'name')[0] ?? ''}\n`).join('') : '  Volumes:\t<none>\n';
  out += multiline('  Node-Selectors', spec.nodeSelector, '=');
  const tolerations: Json[] = spec.tolerations ?? [];
  out += tolerations.length
    ? tolerations.map((t, i) => `${i === 0 ? '  Tolerations:' : ''}\t${t.key ?? ''}${t.value ? `=${t.value}` : ''}${t.effect ? `:${t.effect}` : ''} op=${t.operator ?? 'Equal'}\n`).join('')
    : '  Tolerations:\t<none>\n';
  if (spec.priorityClassName) out += `  Priority Class Name:\t${spec.priorityClassName}\n`;
  return out;
}
