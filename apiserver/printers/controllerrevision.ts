// ControllerRevision: NAME CONTROLLER REVISION AGE, the controller as
// `daemonset.apps/agent` (kubectl's printControllerRevision).
import { splitApiVersion } from '../../api/resources';
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, Json } from './printer-helpers';

export const controllerRevisionPrinter: Printer = {
  columns: [
    nameColumn,
    column('Controller', 'string', 'Controller of the object.'),
    column('Revision', 'integer', 'Revision of the ControllerRevision.'),
    ageColumn,
  ],
  row: (obj, now) => [obj.metadata.name, controllerName(obj.metadata.ownerReferences), (obj as Json).revision ?? 0, humanAge(obj.metadata.creationTimestamp, now)],
};

function controllerName(refs: Json[] | undefined): string {
  const ref = refs?.find((r) => r.controller === true);
  if (!ref) return '<none>';
  const { group } = splitApiVersion(ref.apiVersion ?? '');
  return `${String(ref.kind).toLowerCase()}${group ? `.${group}` : ''}/${ref.name}`;
}
