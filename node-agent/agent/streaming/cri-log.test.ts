import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CriLogFormatter, LineSplitter, parseCriLine, parseCriLines, selectLines } from './cri-log';

const T1 = '2026-01-02T03:04:05.000000001Z';
const T2 = '2026-01-02T03:04:06.500000000Z';
const T3 = '2026-01-02T03:04:07.000000000Z';

test('parses CRI lines, including empty content and spaces', () => {
  assert.deepEqual(parseCriLine(`${T1} stdout F hello world`), { time: T1, stream: 'stdout', partial: false, content: 'hello world' });
  assert.deepEqual(parseCriLine(`${T1} stderr P `), { time: T1, stream: 'stderr', partial: true, content: '' });
  assert.deepEqual(parseCriLine(`${T1} stderr F`), { time: T1, stream: 'stderr', partial: false, content: '' });
  assert.equal(parseCriLine('garbage'), undefined);
});

test('tail and since select whole lines; partial entries join the next full one', () => {
  const entries = parseCriLines([`${T1} stdout F one`, `${T2} stdout P tw`, `${T2} stdout F o`, `${T3} stderr F three`]);
  const fmt = (lines: ReturnType<typeof selectLines>, ts = false) => new CriLogFormatter(ts).format(lines.flat());
  assert.equal(fmt(selectLines(entries, {})), 'one\ntwo\nthree\n');
  assert.equal(fmt(selectLines(entries, { tailLines: 2 })), 'two\nthree\n');
  assert.equal(fmt(selectLines(entries, { tailLines: 0 })), '');
  assert.equal(fmt(selectLines(entries, { sinceMs: Date.parse('2026-01-02T03:04:06.400Z') })), 'two\nthree\n');
  assert.equal(fmt(selectLines(entries, { tailLines: 1 }), true), `${T3} three\n`);
  assert.equal(fmt(selectLines(entries, { tailLines: 2 }), true), `${T2} two\n${T3} three\n`);
});

test('the formatter keeps an open line across calls (follow)', () => {
  const f = new CriLogFormatter(true);
  assert.equal(f.format(parseCriLines([`${T1} stdout P a`])), `${T1} a`);
  assert.equal(f.format(parseCriLines([`${T2} stdout F b`, `${T3} stdout F c`])), `b\n${T3} c\n`);
});

test('the splitter keeps unfinished lines and multi-byte characters whole', () => {
  const s = new LineSplitter();
  const bytes = Buffer.from('é-1\né-2\nlast');
  assert.deepEqual(s.push(bytes.subarray(0, 1)), []);
  assert.deepEqual(s.push(bytes.subarray(1)), ['é-1', 'é-2']);
  assert.deepEqual(s.push(Buffer.from('\n')), ['last']);
});
