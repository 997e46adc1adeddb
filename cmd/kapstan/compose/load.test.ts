import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ComposeError, findComposeFile, loadComposeFile, looksLikeComposeFile } from './index';
import { ComposeFixture } from './compose-fixture';
import { normaliseProjectName } from './load';

const fixture = new ComposeFixture();
after(() => fixture.cleanup());

test('a YAML syntax error is reported as FILE:LINE:COLUMN: message', () => {
  const file = fixture.project('broken', {
    'compose.yaml': 'services:\n  web:\n    image: nginx\n    ports: ["80:80"\n    environment:\n      A: 1\n',
  });
  assert.throws(() => loadComposeFile(file, { env: {} }), (e: Error) => {
    assert.ok(e instanceof ComposeError);
    const first = e.message.split('\n')[0];
    assert.match(first, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:\\d+: `), first);
    assert.doesNotMatch(first, / at line \d+/, 'position given once, as FILE:LINE:COLUMN');
    return true;
  });
});

test('a duplicate key is an error at its line and column', () => {
  const file = fixture.project('dup', { 'compose.yaml': 'services:\n  web:\n    image: a\n    image: b\n' });
  assert.throws(() => loadComposeFile(file, { env: {} }), (e: Error) => e.message.startsWith(`${file}:4:5: `) && /unique/i.test(e.message));
});

test('a file that is not a mapping, or with services that are not mappings, is refused with the file named', () => {
  const list = fixture.project('list', { 'compose.yaml': '- a\n- b\n' });
  assert.throws(() => loadComposeFile(list, { env: {} }), new RegExp(`${list.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the top level must be a mapping`));
  const bad = fixture.project('bad-svc', { 'compose.yaml': 'services:\n  web: nginx\n' });
  assert.throws(() => loadComposeFile(bad, { env: {} }), /services\.web must be a mapping/);
  assert.throws(() => loadComposeFile(fixture.root + '/missing/compose.yaml', { env: {} }), /no such file/);
});

test('variables interpolate from the environment over .env, with defaults, alternatives and $$', () => {
  const file = fixture.project('interp', {
    'compose.yaml': [
      'services:',
      '  web:',
      '    image: "nginx:${TAG}"',
      '    environment:',
      '      FROM_ENV_FILE: ${ONLY_IN_DOTENV}',
      '      OVERRIDDEN: ${BOTH}',
      '      DEFAULTED: ${UNSET:-fallback}',
      '      EMPTY_DEFAULTED: ${EMPTY:-used-when-empty}',
      '      EMPTY_KEPT: ${EMPTY-kept-when-set}',
      '      NESTED: ${UNSET:-${TAG:-x}-nested}',
      '      ALT: ${TAG:+has-tag}',
      '      NO_ALT: ${UNSET:+never}',
      '      BARE: $TAG/path',
      '      LITERAL: "$$HOME and $${TAG}"',
      '      BLANK: ${NOT_SET_ANYWHERE}',
    ].join('\n'),
    '.env': 'TAG=1.25\nONLY_IN_DOTENV=from-dotenv\nBOTH=from-dotenv\n',
  });
  const project = loadComposeFile(file, { env: { BOTH: 'from-shell', EMPTY: '' } });
  assert.equal(project.services.web.image, 'nginx:1.25');
  assert.deepEqual(project.services.web.environment, {
    FROM_ENV_FILE: 'from-dotenv',
    OVERRIDDEN: 'from-shell',
    DEFAULTED: 'fallback',
    EMPTY_DEFAULTED: 'used-when-empty',
    EMPTY_KEPT: '',
    NESTED: '1.25-nested',
    ALT: 'has-tag',
    NO_ALT: '',
    BARE: '1.25/path',
    LITERAL: '$HOME and ${TAG}',
    BLANK: '',
  });
  assert.deepEqual(project.warnings, ['the "NOT_SET_ANYWHERE" variable is not set; defaulting to a blank string']);
});

test('a required variable without a value stops loading with its message', () => {
  const file = fixture.project('required', { 'compose.yaml': 'services:\n  web:\n    image: ${IMAGE:?set IMAGE to the app image}\n' });
  assert.throws(() => loadComposeFile(file, { env: {} }), /required variable IMAGE is missing a value: set IMAGE to the app image/);
  assert.equal(loadComposeFile(file, { env: { IMAGE: 'app:1' } }).services.web.image, 'app:1');
});

test('a lone $ is an interpolation error, as in Compose', () => {
  const file = fixture.project('dollar', { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    command: echo $ 5\n' });
  assert.throws(() => loadComposeFile(file, { env: {} }), /invalid interpolation format/);
});

test('the project name comes from name:, else COMPOSE_PROJECT_NAME, else the directory, normalised', () => {
  const named = fixture.project('Some Dir', { 'compose.yaml': 'name: ${APP:-My_App}\nservices: {}\n' });
  assert.equal(loadComposeFile(named, { env: {} }).name, 'my_app');
  const unnamed = fixture.project('My.Project-Dir', { 'compose.yaml': 'services:\n  web:\n    image: nginx\n' });
  assert.equal(loadComposeFile(unnamed, { env: {} }).name, 'myproject-dir');
  assert.equal(loadComposeFile(unnamed, { env: { COMPOSE_PROJECT_NAME: 'fromenv' } }).name, 'fromenv');
  assert.equal(normaliseProjectName('_-Web App 2'), 'webapp2');
});

test('YAML merge keys work, as compose files use them for shared settings', () => {
  const file = fixture.project('merge', {
    'compose.yaml': 'x-common: &common\n  image: app:1\n  restart: always\nservices:\n  a:\n    <<: *common\n    command: a\n  b:\n    <<: *common\n',
  });
  const project = loadComposeFile(file, { env: {} });
  assert.deepEqual(project.services.a, { image: 'app:1', restart: 'always', command: 'a' });
  assert.deepEqual(project.services.b, { image: 'app:1', restart: 'always' });
});

test('findComposeFile looks for compose.yaml before docker-compose.yml', () => {
  const dir = fixture.project('find', { 'docker-compose.yml': 'services: {}\n', 'compose.yaml': 'services: {}\n' }).replace(/\/compose\.yaml$/, '');
  assert.equal(findComposeFile(dir), `${dir}/compose.yaml`);
  const only = fixture.project('find2', { 'docker-compose.yml': 'services: {}\n' }).replace(/\/compose\.yaml$/, '');
  assert.equal(findComposeFile(only), `${only}/docker-compose.yml`);
  assert.equal(findComposeFile(fixture.root), undefined);
});

test('looksLikeComposeFile tells compose files from Kubernetes manifests by name or by content', () => {
  const dir = fixture.project('kinds', {
    'compose.yaml': 'services: {}\n',
    'docker-compose.prod.yml': 'services: {}\n',
    'app.yaml': 'services:\n  web: { image: nginx }\n',
    'deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\n',
    'multi.yaml': 'apiVersion: v1\nkind: Service\nmetadata: { name: a }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: b }\n',
    'broken.yaml': 'services: [\n',
  }).replace(/\/compose\.yaml$/, '');
  const result = Object.fromEntries(['compose.yaml', 'docker-compose.prod.yml', 'app.yaml', 'deploy.yaml', 'multi.yaml', 'broken.yaml', 'absent.yaml']
    .map((name) => [name, looksLikeComposeFile(`${dir}/${name}`)]));
  assert.deepEqual(result, {
    'compose.yaml': true, 'docker-compose.prod.yml': true, 'app.yaml': true,
    'deploy.yaml': false, 'multi.yaml': false, 'broken.yaml': false, 'absent.yaml': false,
  });
});
