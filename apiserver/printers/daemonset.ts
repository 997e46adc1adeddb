// DaemonSets: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE (+ template columns).
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, formatLabels, int, spec, status, templateCells, templateColumns } from './printer-helpers';

export const daemonSetPrinter: Printer = {
  columns: [
    nameColumn,
    column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
    column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    column('Ready', 'integer', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
    column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    column('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node."),
    ageColumn,
    ...templateColumns,
  ],
  row(obj, now) {
    const sp = spec(obj);
    const st = status(obj);
    return [
      obj.metadata.name,
      int(st.desiredNumberScheduled),
      int(st.currentNumberScheduled),
      int(st.numberReady),
      int(st.updatedNumberScheduled),
      int(st.numberAvailable),
      formatLabels(sp.template?.spec?.nodeSelector),
      humanAge(obj.metadata.creationTimestamp, now),
      ...templateCells(sp.template?.spec, sp.selector),
    ];
  },
};
