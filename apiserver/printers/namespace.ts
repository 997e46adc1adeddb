// Namespaces: NAME STATUS AGE.
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, status } from './printer-helpers';

export const namespacePrinter: Printer = {
  columns: [nameColumn, column('Status', 'string', 'The status of the namespace'), ageColumn],
  row: (obj, now) => [obj.metadata.name, status(obj).phase ?? 'Active', humanAge(obj.metadata.creationTimestamp, now)],
};
