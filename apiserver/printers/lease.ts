// Leases: NAME HOLDER AGE.
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, spec } from './printer-helpers';

export const leasePrinter: Printer = {
  columns: [nameColumn, column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn],
  row: (obj, now) => [obj.metadata.name, spec(obj).holderIdentity ?? '', humanAge(obj.metadata.creationTimestamp, now)],
};
