// ReplicaSets: NAME DESIRED CURRENT READY AGE (+ CONTAINERS IMAGES SELECTOR).
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, int, spec, status, templateCells, templateColumns } from './printer-helpers';

export const replicaSetPrinter: Printer = {
  columns: [
    nameColumn,
    column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'integer', 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.'),
    ageColumn,
    ...templateColumns,
  ],
  row(obj, now) {
    const sp = spec(obj);
    const st = status(obj);
    return [
      obj.metadata.name,
      sp.replicas ?? 1,
      int(st.replicas),
      int(st.readyReplicas),
      humanAge(obj.metadata.creationTimestamp, now),
      ...templateCells(sp.template?.spec, sp.selector),
    ];
  },
};
