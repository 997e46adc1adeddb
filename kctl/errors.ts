// How kctl reports failures, in kubectl's words where kubectl has them.
import { ApiError } from '../api/errors';
import { KubeconfigError } from '../client/kubeconfig';
import { ConnectionError } from '../client/rest-client';

/** A failure already reported to the user; the command just exits non-zero. */
export class ReportedError extends Error {
  override name = 'ReportedError';
}

/** One message (possibly several lines, no trailing newline) for an error. */
export function formatError(err: unknown): string {
  if (err instanceof ConnectionError) return err.message;
  if (err instanceof ApiError) return formatApiError(err);
  if (err instanceof KubeconfigError) return `error: ${err.message}`;
  return `error: ${err instanceof Error ? err.message : String(err)}`;
}

function formatApiError(err: ApiError): string {
  if (err.code === 'Unauthorized') return `error: You must be logged in to the server (${err.message})`;
  if (err.code === 'Invalid') {
    const d = err.details;
    const causes = d?.causes ?? [];
    if (!d || causes.length === 0) return `Error from server (Invalid): ${err.message}`;
    const resource = d.group ? `${d.kind}.${d.group}` : d.kind;
    const lines = causes.map((c) => (c.field ? `${c.field}: ${c.message ?? ''}` : `${c.message ?? ''}`));
    const head = `The ${resource} "${d.name ?? ''}" is invalid: `;
    return lines.length === 1 ? head + lines[0] : head + '\n' + lines.map((l) => `* ${l}`).join('\n');
  }
  return `Error from server (${err.code}): ${err.message}`;
}
