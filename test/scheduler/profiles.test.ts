// Several profiles from a --config file: each pod is scheduled by the profile
// its spec.schedulerName names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeNode, makePod } from './builders';
import { startSchedulerCluster } from './scheduler-cluster';
import { loadSchedulerConfig } from '../../scheduler';

test('a config file with two profiles: spreading by default, packing for the packer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kap-sched-config-'));
  const path = join(dir, 'scheduler.yaml');
  writeFileSync(
    path,
    `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: default-scheduler
  - schedulerName: packer
    plugins:
      score:
        disabled: [{ name: '*' }]
        enabled: [{ name: NodeResourcesFit, weight: 1 }]
    pluginConfig:
      - name: NodeResourcesFit
        args: { scoringStrategy: { type: MostAllocated } }
`,
  );
  const c = await startSchedulerCluster(loadSchedulerConfig(path));
  try {
    assert.deepEqual(c.scheduler.schedulerNames, ['default-scheduler', 'packer']);
    await c.createNode(makeNode('kap-busy').capacity({ cpu: '4', memory: '4Gi' }).obj());
    await c.createNode(makeNode('kap-idle').capacity({ cpu: '4', memory: '4Gi' }).obj());
    await c.waitForSchedulerNodes(2);
    await c.createPod(makePod('filler').requests({ cpu: '2', memory: '2Gi' }).nodeSelector({ 'kubernetes.io/hostname': 'kap-busy' }).manifest());
    await c.waitForBinding('filler');
    await c.createPod(makePod('packed').schedulerName('packer').requests({ cpu: '1', memory: '1Gi' }).manifest());
    assert.equal(await c.waitForBinding('packed'), 'kap-busy');
    await c.createPod(makePod('spread').requests({ cpu: '1', memory: '1Gi' }).manifest());
    assert.equal(await c.waitForBinding('spread'), 'kap-idle');
  } finally {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
