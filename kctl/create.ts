// `kctl create namespace NAME` and `kctl create -f FILE`: plain POSTs.
import { isApiError } from '../api/errors';
import { findByKind } from '../api/resources';
import { resolveManifests } from './apply';
import { formatError } from './errors';
import { bool, strs, UsageError } from './flags';
import { readManifests } from './manifests';
import { nameOf } from './object-output';
import type { Session } from './session';

export async function runCreate(session: Session, args: string[]): Promise<number> {
  const files = strs(session.flags, 'filename');
  if (files.length) {
    if (args.length) throw new UsageError('when -f is given, no other arguments may follow');
    const { manifests, problems } = await readManifests(files, bool(session.flags, 'recursive'), session.io.readStdin);
    const resolved = problems.length ? { resolved: [], problems: [] } : await resolveManifests(session, manifests);
    problems.push(...resolved.problems);
    if (problems.length) {
      for (const p of problems) session.io.err(`${p}\n`);
      return 1;
    }
    let failed = false;
    for (const m of resolved.resolved) {
      try {
        const created = await session.client.create(m.resource, m.namespace, m.object, { fieldManager: 'kubectl-create', fieldValidation: 'Strict' });
        session.io.out(`${nameOf(m.resource, created.metadata.name)} created\n`);
      } catch (err) {
        if (!isApiError(err)) throw err;
        session.io.err(formatError(err) + '\n');
        failed = true;
      }
    }
    return failed ? 1 : 0;
  }
  const [what, name, ...rest] = args;
  if ((what === 'namespace' || what === 'ns') && name && rest.length === 0) {
    const ns = findByKind('v1', 'Namespace')!;
    await session.client.create(ns, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'kubectl-create', fieldValidation: 'Strict' });
    session.io.out(`namespace/${name} created\n`);
    return 0;
  }
  throw new UsageError('usage: kctl create namespace NAME | kctl create -f FILE');
}
