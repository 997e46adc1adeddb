// Secrets: NAME TYPE DATA AGE.
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, Json } from './printer-helpers';

export const secretPrinter: Printer = {
  columns: [
    nameColumn,
    column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'integer', 'The number of keys in data.'),
    ageColumn,
  ],
  row(obj, now) {
    const s = obj as Json;
    return [obj.metadata.name, s.type ?? 'Opaque', Object.keys(s.data ?? {}).length, humanAge(obj.metadata.creationTimestamp, now)];
  },
};
