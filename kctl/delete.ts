// `kctl delete TYPE NAME... | TYPE/NAME | -f FILE [-l SEL]`: DELETE with the
// propagation policy and grace period asked for, then (--wait, the default)
// wait until each object is really gone.
import { isApiError } from '../api/errors';
import type { ResourceInfo } from '../api/resources';
import type { DeleteOptions, KubeObject } from '../api/types';
import { resolveManifests } from './apply';
import { formatError } from './errors';
import { bool, num, str, strs, UsageError } from './flags';
import { parseTypeArgs } from './get';
import { readManifests } from './manifests';
import type { Session } from './session';
import { typeName } from './discovery';

interface Target {
  resource: ResourceInfo;
  namespace: string | undefined;
  name: string;
}

const CASCADE: Record<string, DeleteOptions['propagationPolicy']> = {
  background: 'Background',
  true: 'Background',
  foreground: 'Foreground',
  orphan: 'Orphan',
  false: 'Orphan',
};

export function deleteOptions(flags: Session['flags']): DeleteOptions {
  const opts: DeleteOptions = {};
  const cascade = str(flags, 'cascade') ?? 'background';
  const policy = CASCADE[cascade];
  if (!policy) throw new UsageError(`invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan"`);
  opts.propagationPolicy = policy;
  const grace = num(flags, 'grace-period');
  if (bool(flags, 'now')) opts.gracePeriodSeconds = 1;
  else if (grace !== undefined && grace >= 0) opts.gracePeriodSeconds = grace;
  return opts;
}

export async function runDelete(session: Session, args: string[]): Promise<number> {
  const flags = session.flags;
  const options = deleteOptions(flags);
  const files = strs(flags, 'filename');
  const targets: Target[] = [];
  let failed = false;

  if (files.length) {
    if (args.length) throw new UsageError('when -f is given, no TYPE or NAME may follow');
    const { manifests, problems } = await readManifests(files, bool(flags, 'recursive'), session.io.readStdin);
    const resolved = await resolveManifests(session, manifests);
    problems.push(...resolved.problems);
    if (problems.length) {
      for (const p of problems) session.io.err(`${p}\n`);
      return 1;
    }
    for (const m of resolved.resolved) targets.push({ resource: m.resource, namespace: m.namespace, name: m.object.metadata.name ?? '' });
  } else {
    const requests = await parseTypeArgs(session, args);
    const selector = str(flags, 'selector');
    for (const req of requests) {
      const ns = req.resource.namespaced ? session.namespace : undefined;
      if (req.names.length) {
        for (const name of req.names) targets.push({ resource: req.resource, namespace: ns, name });
      } else if (selector || bool(flags, 'all')) {
        const list = await session.client.listAll(req.resource, ns, { labelSelector: selector });
        for (const item of list.items) targets.push({ resource: req.resource, namespace: ns, name: item.metadata.name ?? '' });
      } else {
        throw new UsageError(`resource(s) were provided, but no name was specified`);
      }
    }
    if (targets.length === 0) {
      session.io.err('No resources found\n');
      return 0;
    }
  }

  const deleted: { target: Target; uid?: string }[] = [];
  for (const t of targets) {
    try {
      const reply = await session.client.delete(t.resource, t.namespace, t.name, options);
      const uid = (reply as KubeObject).metadata?.uid ?? (reply as { details?: { uid?: string } }).details?.uid;
      session.io.out(`${typeName(t.resource)} "${t.name}" deleted\n`);
      deleted.push({ target: t, uid });
    } catch (err) {
      if (!isApiError(err)) throw err;
      session.io.err(formatError(err) + '\n');
      failed = true;
    }
  }
  if (flags.wait !== false) {
    for (const d of deleted) await waitUntilGone(session, d.target, d.uid);
  }
  return failed ? 1 : 0;
}

/** Returns once the object (with this uid, if known) no longer exists. */
export async function waitUntilGone(session: Session, t: Target, uid?: string): Promise<void> {
  const client = session.client;
  while (!session.io.signal?.aborted) {
    let live: KubeObject;
    try {
      live = await client.get(t.resource, t.namespace, t.name);
    } catch (err) {
      if (isApiError(err, 'NotFound')) return;
      throw err;
    }
    if (uid && live.metadata.uid !== uid) return; // a new object took the name
    const stream = await client.watch<KubeObject>(t.resource, t.namespace, {
      fieldSelector: `metadata.name=${t.name}`,
      resourceVersion: live.metadata.resourceVersion,
      timeoutSeconds: 60,
    });
    const stop = () => stream.close();
    session.io.signal?.addEventListener('abort', stop);
    try {
      for await (const ev of stream) {
        if (ev.type === 'DELETED') return;
        if (ev.type === 'ERROR') break; // re-read and watch again
      }
    } finally {
      session.io.signal?.removeEventListener('abort', stop);
      stream.close();
    }
  }
}
