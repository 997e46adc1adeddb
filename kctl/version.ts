// `kctl version`: the client's version, then the server's from /version.
import type { Session } from './session';

export const KCTL_VERSION = 'v1.30.0-kapstan.0.1.0';

export async function runVersion(session: Session, clientOnly: boolean): Promise<number> {
  session.io.out(`Client Version: ${KCTL_VERSION}\n`);
  if (clientOnly) return 0;
  const server = await session.client.json<{ gitVersion?: string }>('GET', '/version');
  session.io.out(`Server Version: ${server.gitVersion ?? 'unknown'}\n`);
  return 0;
}
