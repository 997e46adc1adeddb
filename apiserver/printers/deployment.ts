// Deployments: NAME READY UP-TO-DATE AVAILABLE AGE (+ CONTAINERS IMAGES SELECTOR).
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, int, spec, status, templateCells, templateColumns } from './printer-helpers';

export const deploymentPrinter: Printer = {
  columns: [
    nameColumn,
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageColumn,
    ...templateColumns,
  ],
  row(obj, now) {
    const sp = spec(obj);
    const st = status(obj);
    return [
      obj.metadata.name,
      `${int(st.readyReplicas)}/${sp.replicas ?? 1}`,
      int(st.updatedReplicas),
      int(st.availableReplicas),
      humanAge(obj.metadata.creationTimestamp, now),
      ...templateCells(sp.template?.spec, sp.selector),
    ];
  },
};
