import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dryRunProblem } from './dry-run-param';

const q = (s: string) => new URLSearchParams(s);

test('dryRun=All and no dryRun pass; any other value on a write is 422', () => {
  assert.equal(dryRunProblem({ method: 'POST' }, q('dryRun=All')), undefined);
  assert.equal(dryRunProblem({ method: 'PATCH' }, q('fieldManager=x')), undefined);
  assert.equal(dryRunProblem({ method: 'GET' }, q('dryRun=true')), undefined, 'reads ignore it');
  const err = dryRunProblem({ method: 'POST' }, q('dryRun=true'));
  assert.equal(err?.httpStatus, 422);
  assert.equal(err?.message, 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: "true": supported values: "All"');
  assert.match(dryRunProblem({ method: 'DELETE' }, q('dryRun=All&dryRun=x'))!.message, /^DeleteOptions/);
});
