// `kctl api-resources`: NAME SHORTNAMES APIVERSION NAMESPACED KIND, from discovery.
import { groupVersion } from '../api/resources';
import type { Session } from './session';
import { TableWriter } from './table-writer';

export async function runApiResources(session: Session): Promise<number> {
  const resources = [...(await session.discovered())].sort((a, b) => (a.group === b.group ? a.plural.localeCompare(b.plural) : a.group.localeCompare(b.group)));
  const rows = [['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']];
  for (const r of resources) rows.push([r.plural, r.shortNames.join(','), groupVersion(r), String(r.namespaced), r.kind]);
  session.io.out(new TableWriter().format(rows));
  return 0;
}
