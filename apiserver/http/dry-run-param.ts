// The `dryRun` query parameter, checked before any write: Kubernetes accepts
// only "All", and refuses anything else (`dryRun=true`, a typo) with 422
// rather than carrying out a real write the client meant as a rehearsal.
import type { IncomingMessage } from 'node:http';
import { errors, type ApiError } from '../../api/errors';

const OPTIONS_KIND: Record<string, string> = { POST: 'CreateOptions', PUT: 'UpdateOptions', PATCH: 'PatchOptions', DELETE: 'DeleteOptions' };

/** The 422 for an unsupported dryRun value on a write; undefined when the request may go on. */
export function dryRunProblem(req: Pick<IncomingMessage, 'method'>, query: URLSearchParams): ApiError | undefined {
  const kind = OPTIONS_KIND[req.method ?? 'GET'];
  const values = query.getAll('dryRun');
  const bad = values.filter((v) => v !== 'All');
  if (!kind || bad.length === 0) return undefined;
  return errors.invalid(kind, 'meta.k8s.io', '', [
    { reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: ${JSON.stringify(bad[0])}: supported values: "All"` },
  ]);
}
