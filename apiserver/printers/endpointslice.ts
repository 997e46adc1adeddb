// EndpointSlice: NAME ADDRESSTYPE PORTS ENDPOINTS AGE, as kubectl prints it:
// at most three ports and three addresses, then "+ N more...", "<unset>" when empty.
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, Json } from './printer-helpers';

const SHOWN = 3;

export const endpointSlicePrinter: Printer = {
  columns: [
    nameColumn,
    column('AddressType', 'string', 'Type of address carried by this EndpointSlice.'),
    column('Ports', 'string', 'Ports of this EndpointSlice.'),
    column('Endpoints', 'string', 'Endpoints of this EndpointSlice.'),
    ageColumn,
  ],
  row: (obj, now) => {
    const slice = obj as Json;
    return [obj.metadata.name, slice.addressType ?? '', formatSlicePorts(slice.ports ?? []), formatSliceEndpoints(slice.endpoints ?? []), humanAge(obj.metadata.creationTimestamp, now)];
  },
};

/** A port prints as its number, or its name when it has no number, or `*`. */
export function formatSlicePorts(ports: Json[]): string {
  return listWithMore(ports.map((p) => (typeof p.port === 'number' ? String(p.port) : p.name ? String(p.name) : '*')));
}

export function formatSliceEndpoints(endpoints: Json[]): string {
  return listWithMore(endpoints.flatMap((e) => (e.addresses ?? []) as string[]));
}

function listWithMore(all: string[]): string {
  const shown = all.slice(0, SHOWN).join(',');
  if (all.length > SHOWN) return `${shown} + ${all.length - SHOWN} more...`;
  return shown === '' ? '<unset>' : shown;
}
