// Events: LAST SEEN TYPE REASON OBJECT MESSAGE (+ SUBOBJECT SOURCE FIRST SEEN COUNT NAME).
import { humanAge, Printer } from './index';
import { column, Json } from './printer-helpers';

export const eventPrinter: Printer = {
  columns: [
    column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    column('Object', 'string', 'The object that this event is about.'),
    column('Subobject', 'string', 'The field of the object that this event is about.', 1),
    column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
    column('Message', 'string', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
    column('Count', 'integer', 'The number of times this event has occurred.', 1),
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 1 },
  ],
  row(obj, now) {
    const ev = obj as unknown as Json;
    const first: string = ev.firstTimestamp ? humanAge(ev.firstTimestamp, now) : humanAge(ev.eventTime, now);
    let last: string = ev.lastTimestamp ? humanAge(ev.lastTimestamp, now) : first;
    let count: number = ev.count ?? 0;
    if (ev.series) {
      last = humanAge(ev.series.lastObservedTime, now);
      count = ev.series.count ?? count;
    } else if (count === 0) {
      count = 1;
    }
    const involved: Json = ev.involvedObject ?? {};
    const kind = String(involved.kind ?? '').toLowerCase();
    const target = involved.name ? `${kind}/${involved.name}` : kind;
    return [last, ev.type ?? '', ev.reason ?? '', target, involved.fieldPath ?? '', eventSource(ev), String(ev.message ?? '').trim(), first, count, obj.metadata.name];
  },
};

function eventSource(ev: Json): string {
  const component: string = ev.source?.component || ev.reportingController || '';
  const host: string = ev.source?.host || ev.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}
