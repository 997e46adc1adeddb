// Jobs: NAME STATUS COMPLETIONS DURATION AGE (+ template columns).
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, hasCondition, int, spec, status, templateCells, templateColumns } from './printer-helpers';

export const jobPrinter: Printer = {
  columns: [
    nameColumn,
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The completion status of the job.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn,
    ...templateColumns,
  ],
  row(obj, now) {
    const sp = spec(obj);
    const st = status(obj);
    const succeeded = int(st.succeeded);
    let completions: string;
    if (sp.completions !== undefined && sp.completions !== null) completions = `${succeeded}/${sp.completions}`;
    else if ((sp.parallelism ?? 0) > 1) completions = `${succeeded}/1 of ${sp.parallelism}`;
    else completions = `${succeeded}/1`;

    let duration = '';
    if (st.startTime) {
      const end = st.completionTime ? new Date(st.completionTime) : now;
      duration = humanAge(st.startTime, end);
    }

    let state: string;
    if (hasCondition(st.conditions, 'Complete')) state = 'Complete';
    else if (hasCondition(st.conditions, 'Failed')) state = 'Failed';
    else if (obj.metadata.deletionTimestamp) state = 'Terminating';
    else if (hasCondition(st.conditions, 'Suspended')) state = 'Suspended';
    else if (hasCondition(st.conditions, 'FailureTarget')) state = 'FailureTarget';
    else state = 'Running';

    return [
      obj.metadata.name,
      state,
      completions,
      duration,
      humanAge(obj.metadata.creationTimestamp, now),
      ...templateCells(sp.template?.spec, sp.selector),
    ];
  },
};
