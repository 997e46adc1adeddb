// `kctl get`: server-side tables for human output (kubectl's column layout),
// objects for -o json|yaml|name|jsonpath, and -w to follow changes.
import { isApiError } from '../api/errors';
import type { ResourceInfo } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { Table, TableRow } from '../client/rest-client';
import { formatError, ReportedError } from './errors';
import { bool, str } from './flags';
import { compileJsonPath } from './jsonpath';
import { asList, nameOf, toJson, toYaml } from './object-output';
import type { Session } from './session';
import { cellText, TableWriter } from './table-writer';
import { typeName } from './discovery';
import { UsageError } from './flags';
import { watchEventError } from '../client/watch';

export interface OutputFormat {
  kind: 'table' | 'wide' | 'json' | 'yaml' | 'name' | 'jsonpath';
  template?: string;
}

export function parseOutput(value: string | undefined): OutputFormat {
  if (!value) return { kind: 'table' };
  if (['wide', 'json', 'yaml', 'name'].includes(value)) return { kind: value as OutputFormat['kind'] };
  const m = /^jsonpath=([\s\S]*)$/.exec(value);
  if (m) return { kind: 'jsonpath', template: m[1] };
  throw new UsageError(`unable to match a printer suitable for the output format "${value}", allowed formats are: json,jsonpath,name,wide,yaml`);
}

interface Request {
  resource: ResourceInfo;
  names: string[];
}

/** `pods,svc web` or `pod/web svc/web` into per-type requests. */
export async function parseTypeArgs(session: Session, args: string[]): Promise<Request[]> {
  if (args.length === 0) throw new UsageError('You must specify the type of resource to get. Use "kctl api-resources" for a complete list of supported resources.');
  const requests: Request[] = [];
  const add = (resource: ResourceInfo, name?: string) => {
    let r = requests.find((x) => x.resource === resource);
    if (!r) requests.push((r = { resource, names: [] }));
    if (name !== undefined) r.names.push(name);
  };
  if (args.every((a) => a.includes('/'))) {
    for (const a of args) {
      const [type, name] = [a.slice(0, a.indexOf('/')), a.slice(a.indexOf('/') + 1)];
      add(await session.resourceType(type), name);
    }
    return requests;
  }
  const [types, ...names] = args;
  if (names.some((n) => n.includes('/'))) throw new UsageError('there is no need to specify a resource type as a separate argument when passing arguments in resource/name form');
  for (const t of types.split(',').filter(Boolean)) {
    const resources = t === 'all' ? (await session.discovered()).filter((r) => r.categories.includes('all')) : [await session.resourceType(t)];
    for (const r of resources) {
      add(r);
      for (const n of names) add(r, n);
    }
  }
  return requests;
}

export async function runGet(session: Session, args: string[]): Promise<number> {
  const flags = session.flags;
  const output = parseOutput(str(flags, 'output'));
  const allNamespaces = bool(flags, 'all-namespaces');
  const watch = bool(flags, 'watch');
  const requests = await parseTypeArgs(session, args);
  const labelSelector = str(flags, 'selector');
  const fieldSelector = str(flags, 'field-selector');
  const showKind = requests.length > 1 || bool(flags, 'show-kind') || args[0] === 'all' || args.some((a) => a.includes('/'));
  const nsFor = (r: ResourceInfo) => (r.namespaced && !allNamespaces ? session.namespace : undefined);
  let failed = false;
  let printedAny = false;

  if (watch && requests.length !== 1) throw new UsageError('you may only specify a single resource type with --watch');

  if (output.kind === 'table' || output.kind === 'wide') {
    let first = true;
    for (const req of requests) {
      const tables: Table[] = [];
      if (req.names.length) {
        for (const name of req.names) {
          try {
            tables.push(await session.client.table(req.resource, nsFor(req.resource), name));
          } catch (err) {
            if (!isApiError(err, 'NotFound')) throw err;
            session.io.err(formatError(err) + '\n');
            failed = true;
          }
        }
      } else {
        tables.push(await listTable(session, req.resource, nsFor(req.resource), labelSelector, fieldSelector));
      }
      const rows = tables.flatMap((t) => t.rows);
      if (rows.length === 0 || tables.length === 0) {
        if (watch && tables[0]) await watchTable(session, req, tables[0], nsFor(req.resource), output.kind === 'wide', allNamespaces, showKind, new TableWriter(), true);
        continue;
      }
      if (!first) session.io.out('\n');
      first = false;
      printedAny = true;
      const writer = new TableWriter();
      session.io.out(renderTable(tables[0], rows, req.resource, { wide: output.kind === 'wide', allNamespaces, showKind, headers: !bool(flags, 'no-headers'), showLabels: bool(flags, 'show-labels') }, writer));
      if (watch) await watchTable(session, req, tables[0], nsFor(req.resource), output.kind === 'wide', allNamespaces, showKind, writer, false);
    }
    if (!printedAny && !failed && requests.every((r) => r.names.length === 0) && !watch) {
      const namespaced = requests.some((r) => r.resource.namespaced);
      session.io.err(allNamespaces || !namespaced ? 'No resources found\n' : `No resources found in ${session.namespace} namespace.\n`);
    }
    return failed ? 1 : 0;
  }

  // Object output: collect, then print as one object or a List.
  const objects: { resource: ResourceInfo; object: KubeObject }[] = [];
  let listResourceVersion: string | undefined;
  for (const req of requests) {
    const ns = nsFor(req.resource);
    if (req.names.length) {
      for (const name of req.names) {
        try {
          objects.push({ resource: req.resource, object: withTypeMeta(req.resource, await session.client.get(req.resource, ns, name)) });
        } catch (err) {
          if (!isApiError(err, 'NotFound')) throw err;
          session.io.err(formatError(err) + '\n');
          failed = true;
        }
      }
    } else {
      const list = await session.client.listAll(req.resource, ns, { labelSelector, fieldSelector });
      listResourceVersion = list.metadata.resourceVersion;
      for (const item of list.items) objects.push({ resource: req.resource, object: withTypeMeta(req.resource, item) });
    }
  }
  const single = requests.length === 1 && requests[0].names.length === 1 && objects.length === 1;
  if (objects.length === 0 && !failed && output.kind !== 'json' && output.kind !== 'yaml' && !watch) {
    const namespaced = requests.some((r) => r.resource.namespaced);
    session.io.err(allNamespaces || !namespaced ? 'No resources found\n' : `No resources found in ${session.namespace} namespace.\n`);
  } else if (!(watch && objects.length === 0) && !(failed && objects.length === 0)) {
    session.io.out(printObjects(objects, output, single, bool(flags, 'show-managed-fields')));
  }
  if (watch) {
    const req = requests[0];
    const rv = single ? objects[0].object.metadata.resourceVersion : listResourceVersion;
    await followObjects(session, req, nsFor(req.resource), rv, output, labelSelector, fieldSelector);
  }
  return failed ? 1 : 0;
}

function withoutManagedFields(obj: KubeObject): KubeObject {
  if (obj.metadata?.managedFields === undefined) return obj;
  const { managedFields: _mf, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function withTypeMeta(r: ResourceInfo, obj: KubeObject): KubeObject {
  const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
  return { ...obj, apiVersion: obj.apiVersion ?? apiVersion, kind: obj.kind ?? r.kind };
}

function printObjects(objects: { resource: ResourceInfo; object: KubeObject }[], output: OutputFormat, single: boolean, showManagedFields = false): string {
  // As kubectl: JSON and YAML hide metadata.managedFields unless --show-managed-fields.
  const shown = showManagedFields || (output.kind !== 'json' && output.kind !== 'yaml') ? objects : objects.map((o) => ({ ...o, object: withoutManagedFields(o.object) }));
  const value = single ? shown[0].object : asList(shown.map((o) => o.object));
  switch (output.kind) {
    case 'json':
      return toJson(value);
    case 'yaml':
      return toYaml(value);
    case 'name':
      return objects.map((o) => nameOf(o.resource, o.object.metadata.name) + '\n').join('');
    default:
      return compileJsonPath(output.template ?? '')(value);
  }
}

async function listTable(session: Session, r: ResourceInfo, ns: string | undefined, labelSelector?: string, fieldSelector?: string): Promise<Table> {
  const first = await session.client.table(r, ns, undefined, { labelSelector, fieldSelector, limit: 500 });
  let page = first;
  while (page.metadata?.continue) {
    page = await session.client.table(r, ns, undefined, { labelSelector, fieldSelector, limit: 500, continue: page.metadata.continue });
    first.rows.push(...page.rows);
  }
  first.metadata = { resourceVersion: page.metadata?.resourceVersion ?? first.metadata?.resourceVersion };
  return first;
}

interface TableOptions {
  wide: boolean;
  allNamespaces: boolean;
  showKind: boolean;
  headers: boolean;
  showLabels?: boolean;
}

/** Rows of a server Table as kubectl prints them: visible columns, upper-case headers, NAMESPACE with -A. */
export function renderTable(table: Table, rows: TableRow[], r: ResourceInfo, opts: TableOptions, writer: TableWriter): string {
  const visible = table.columnDefinitions.map((c, i) => ({ c, i })).filter(({ c }) => opts.wide || !c.priority);
  const withNamespace = opts.allNamespaces && r.namespaced;
  const lines: string[][] = [];
  if (opts.headers) {
    const header = visible.map(({ c }) => c.name.toUpperCase());
    if (withNamespace) header.unshift('NAMESPACE');
    if (opts.showLabels) header.push('LABELS');
    lines.push(header);
  }
  for (const row of rows) {
    const cells = visible.map(({ c, i }) => {
      const text = cellText(row.cells[i]);
      return opts.showKind && c.format === 'name' ? `${typeName(r)}/${text}` : text;
    });
    if (withNamespace) cells.unshift(row.object?.metadata?.namespace ?? '');
    if (opts.showLabels) {
      const labels = row.object?.metadata?.labels ?? {};
      const keys = Object.keys(labels).sort();
      cells.push(keys.length ? keys.map((k) => `${k}=${labels[k]}`).join(',') : '<none>');
    }
    lines.push(cells);
  }
  return writer.format(lines);
}

async function watchTable(
  session: Session,
  req: Request,
  table: Table,
  ns: string | undefined,
  wide: boolean,
  allNamespaces: boolean,
  showKind: boolean,
  writer: TableWriter,
  needHeader: boolean,
): Promise<void> {
  const fieldSelector = req.names.length === 1 ? `metadata.name=${req.names[0]}` : str(session.flags, 'field-selector');
  const stream = await session.client.watch<Table>(req.resource, ns, {
    resourceVersion: table.metadata?.resourceVersion,
    labelSelector: str(session.flags, 'selector'),
    fieldSelector,
    asTable: true,
  });
  const stop = () => stream.close();
  session.io.signal?.addEventListener('abort', stop);
  try {
    for await (const ev of stream) {
      if (ev.type === 'BOOKMARK') continue;
      if (ev.type === 'ERROR') throw watchEventError(ev);
      const t = ev.object;
      session.io.out(renderTable(t, t.rows ?? [], req.resource, { wide, allNamespaces, showKind, headers: needHeader }, writer));
      needHeader = false;
    }
  } finally {
    session.io.signal?.removeEventListener('abort', stop);
    stream.close();
  }
}

async function followObjects(
  session: Session,
  req: Request,
  ns: string | undefined,
  resourceVersion: string | undefined,
  output: OutputFormat,
  labelSelector?: string,
  fieldSelector?: string,
): Promise<void> {
  const stream = await session.client.watch<KubeObject>(req.resource, ns, {
    resourceVersion,
    labelSelector,
    fieldSelector: req.names.length === 1 ? `metadata.name=${req.names[0]}` : fieldSelector,
  });
  const stop = () => stream.close();
  session.io.signal?.addEventListener('abort', stop);
  try {
    for await (const ev of stream) {
      if (ev.type === 'BOOKMARK') continue;
      if (ev.type === 'ERROR') throw watchEventError(ev);
      session.io.out(printObjects([{ resource: req.resource, object: withTypeMeta(req.resource, ev.object) }], output, true, bool(session.flags, 'show-managed-fields')));
    }
  } finally {
    session.io.signal?.removeEventListener('abort', stop);
    stream.close();
  }
}

