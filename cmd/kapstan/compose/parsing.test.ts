// The small readers the converter is built from: shell words, env files, durations and sizes, ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitShellWords } from './shell-words';
import { parseEnvFile } from './env-file';
import { byteSizeToQuantity, cpusToQuantity, parseDurationSeconds } from './units';
import { parseExpose, parsePorts } from './ports';
import { interpolate } from './interpolate';
import { Warnings } from './warnings';

test('command strings split like a shell splits them', () => {
  assert.deepEqual(splitShellWords('nginx -g "daemon off;"'), ['nginx', '-g', 'daemon off;']);
  assert.deepEqual(splitShellWords(`sh -c 'echo "$HOME" && ls'`), ['sh', '-c', 'echo "$HOME" && ls']);
  assert.deepEqual(splitShellWords('a\\ b "c \\"d\\"" e""f  \t g'), ['a b', 'c "d"', 'ef', 'g']);
  assert.deepEqual(splitShellWords('""'), ['']);
  assert.deepEqual(splitShellWords('   '), []);
  assert.throws(() => splitShellWords('echo "open'), /unterminated double quote/);
});

test('env files: comments, export, quotes, escapes, inline comments, interpolation, bare keys', () => {
  const text = [
    '# a comment',
    '',
    'PLAIN=value',
    'export EXPORTED=yes',
    '  SPACED = around  ',
    'HASH=a#b',
    'COMMENTED=value # trailing comment',
    "SINGLE='literal $PLAIN \\n'",
    'DOUBLE="line\\nbreak $PLAIN"',
    'REF=${PLAIN}-x',
    'EMPTY=',
    'INHERITED',
    'NOT_INHERITED',
  ].join('\n');
  const vars = parseEnvFile(text, 'test.env', (n) => (n === 'INHERITED' ? 'from-shell' : undefined));
  assert.deepEqual(Object.fromEntries(vars), {
    PLAIN: 'value',
    EXPORTED: 'yes',
    SPACED: 'around',
    HASH: 'a#b',
    COMMENTED: 'value',
    SINGLE: 'literal $PLAIN \\n',
    DOUBLE: 'line\nbreak value',
    REF: 'value-x',
    EMPTY: '',
    INHERITED: 'from-shell',
  });
  assert.throws(() => parseEnvFile('OK=1\nBAD KEY=2\n', 'x.env'), /^Error: x\.env:2: invalid variable name|x\.env:2: invalid variable name/);
  assert.throws(() => parseEnvFile('A="open\n', 'y.env'), /y\.env:1: unterminated double quote/);
});

test('interpolation keeps text without variables as it is', () => {
  assert.equal(interpolate('no vars here: {}', () => undefined), 'no vars here: {}');
  assert.equal(interpolate('${A}${B}', (n) => n.toLowerCase()), 'ab');
  assert.throws(() => interpolate('${A', () => 'x'), /invalid interpolation format/);
  assert.throws(() => interpolate('${}', () => 'x'), /must be followed by a variable name/);
});

test('durations, byte sizes and cpus convert to seconds and quantities', () => {
  assert.equal(parseDurationSeconds('1m30s'), 90);
  assert.equal(parseDurationSeconds('1h'), 3600);
  assert.equal(parseDurationSeconds('500ms'), 0.5);
  assert.equal(parseDurationSeconds('1.5s'), 1.5);
  assert.equal(parseDurationSeconds(10), 10);
  assert.equal(parseDurationSeconds('10'), 10);
  assert.equal(parseDurationSeconds('ten seconds'), undefined);
  assert.equal(parseDurationSeconds('10s junk'), undefined);
  assert.equal(byteSizeToQuantity('512m'), '512Mi');
  assert.equal(byteSizeToQuantity('256M'), '256Mi');
  assert.equal(byteSizeToQuantity('1gb'), '1Gi');
  assert.equal(byteSizeToQuantity('2048k'), '2048Ki');
  assert.equal(byteSizeToQuantity('1.5g'), String(1.5 * 1024 ** 3));
  assert.equal(byteSizeToQuantity(1000), '1000');
  assert.equal(byteSizeToQuantity('lots'), undefined);
  assert.equal(cpusToQuantity('0.5'), '500m');
  assert.equal(cpusToQuantity(1.25), '1250m');
  assert.equal(cpusToQuantity('2'), '2');
  assert.equal(cpusToQuantity('two'), undefined);
});

test('ports: short syntax with host IP, ranges, protocols; long syntax; expose', () => {
  const w = new Warnings();
  assert.deepEqual(parsePorts([
    '3000',
    '8080:80',
    '127.0.0.1:8081:81/udp',
    '[::1]:6001:6001',
    '9090-9091:8080-8081',
    5000,
    { target: 53, published: '1053', protocol: 'udp', host_ip: '0.0.0.0', name: 'dns', app_protocol: 'dns' },
  ], 'services.s.ports', w), [
    { target: 3000, protocol: 'TCP' },
    { target: 80, protocol: 'TCP', published: 8080 },
    { target: 81, protocol: 'UDP', published: 8081, hostIp: '127.0.0.1' },
    { target: 6001, protocol: 'TCP', published: 6001, hostIp: '::1' },
    { target: 8080, protocol: 'TCP', published: 9090 },
    { target: 8081, protocol: 'TCP', published: 9091 },
    { target: 5000, protocol: 'TCP' },
    { target: 53, protocol: 'UDP', published: 1053, hostIp: '0.0.0.0', name: 'dns', appProtocol: 'dns' },
  ]);
  assert.deepEqual(w.list, []);
  assert.deepEqual(parsePorts(['80:80:80:80', { target: 80, mode: 'host' }], 'services.s.ports', w), [{ target: 80, protocol: 'TCP' }]);
  assert.deepEqual(w.list, [
    'services.s.ports[0]: cannot read port "80:80:80:80"; ignored',
    'services.s.ports[1].mode: not supported; published ports are a hostPort or a NodePort',
  ]);
  assert.deepEqual(parseExpose(['3000', '8000-8001', '53/udp'], 'services.s.expose', w), [
    { target: 3000, protocol: 'TCP' }, { target: 8000, protocol: 'TCP' }, { target: 8001, protocol: 'TCP' }, { target: 53, protocol: 'UDP' },
  ]);
});
