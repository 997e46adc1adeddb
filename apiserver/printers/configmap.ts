// ConfigMaps: NAME DATA AGE.
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, Json } from './printer-helpers';

export const configMapPrinter: Printer = {
  columns: [nameColumn, column('Data', 'integer', 'The number of keys in data and binaryData.'), ageColumn],
  row(obj, now) {
    const cm = obj as Json;
    return [obj.metadata.name, Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, humanAge(obj.metadata.creationTimestamp, now)];
  },
};
