// CronJobs: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE (+ template columns).
import { ageColumn, humanAge, nameColumn, Printer } from './index';
import { column, spec, status, templateCells, templateColumns } from './printer-helpers';

export const cronJobPrinter: Printer = {
  columns: [
    nameColumn,
    column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column('Timezone', 'string', 'The time zone name for the given schedule.'),
    column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions.'),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn,
    ...templateColumns,
  ],
  row(obj, now) {
    const sp = spec(obj);
    const st = status(obj);
    const jobSpec = sp.jobTemplate?.spec ?? {};
    return [
      obj.metadata.name,
      sp.schedule ?? '',
      sp.timeZone || '<none>',
      sp.suspend === undefined || sp.suspend === null ? '<unset>' : sp.suspend ? 'True' : 'False',
      (st.active ?? []).length,
      st.lastScheduleTime ? humanAge(st.lastScheduleTime, now) : '<none>',
      humanAge(obj.metadata.creationTimestamp, now),
      ...templateCells(jobSpec.template?.spec, jobSpec.selector),
    ];
  },
};
