// Endpoints: NAME ENDPOINTS AGE; at most three addresses, then "+ N more...".
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, Json } from './printer-helpers';

const SHOWN = 3;

export const endpointsPrinter: Printer = {
  columns: [nameColumn, column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), ageColumn],
  row: (obj, now) => [obj.metadata.name, formatEndpoints((obj as Json).subsets ?? []), humanAge(obj.metadata.creationTimestamp, now)],
};

export function formatEndpoints(subsets: Json[]): string {
  const all: string[] = [];
  for (const ss of subsets) {
    const addresses: Json[] = ss.addresses ?? [];
    const ports: Json[] = ss.ports ?? [];
    if (ports.length === 0) all.push(...addresses.map((a) => a.ip));
    else for (const p of ports) all.push(...addresses.map((a) => hostPort(a.ip, p.port)));
  }
  if (all.length === 0) return '<none>';
  const shown = all.slice(0, SHOWN).join(',');
  return all.length > SHOWN ? `${shown} + ${all.length - SHOWN} more...` : shown;
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
