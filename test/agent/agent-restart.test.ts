// Restart safety: the agent is SIGKILLed and started again; the containers (owned by their monitors)
// keep running, and the new agent re-adopts them without starting duplicates.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, shimStatesUnder, startAgentTestBed, waitFor, type AgentTestBed } from './agent-testbed';

function startAgentProcess(bed: AgentTestBed, output: string[]): { child: ChildProcess; synced: Promise<void> } {
  const options = {
    server: `https://${bed.node.endpoint}`, token: bed.node.pki.nodeToken, nodeName: bed.nodeName, dataDir: bed.dataDir, layerDir: bed.layerDir,
  };
  const child = spawn(process.execPath, [join(__dirname, 'agent-process.js'), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const synced = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('synced') && resolve());
    child.once('exit', (code, signal) => reject(new Error(`agent exited (${code ?? signal}) before syncing: ${output.join('')}`)));
  });
  return { child, synced };
}

async function killAgent(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

test('SIGKILL of the agent and a restart leave each container running exactly once, with its true state', { timeout: 120_000 }, async () => {
  const bed = await startAgentTestBed('restart');
  const output: string[] = [];
  let agent: ChildProcess | undefined;
  try {
    const first = startAgentProcess(bed, output);
    agent = first.child;
    await first.synced;
    const pod = await bed.createPod('kap-survivor', {
      containers: [
        { name: 'main', image: 'busybox:1.35', command: ['sleep', '300'] },
        { name: 'done', image: 'busybox:1.35', command: ['sh', '-c', 'exit 0'] },
        { name: 'victim', image: 'busybox:1.35', command: ['sleep', '300'] },
      ],
      restartPolicy: 'OnFailure',
    });
    const uid = pod.metadata.uid!;
    const podDir = join(bed.dataDir, 'pods', uid);
    const before = await waitFor('main running, done completed', async () => {
      const cs = ((await bed.getPod('kap-survivor'))?.status as any)?.containerStatuses as any[] | undefined;
      const main = cs?.find((c) => c.name === 'main');
      const done = cs?.find((c) => c.name === 'done');
      return main?.state.running && done?.state.terminated?.reason === 'Completed' ? main : undefined;
    });
    const stateOf = (name: string) => shimStatesUnder(join(podDir, 'containers', name)).find((s) => s.status === 'running');
    const original = stateOf('main')!;
    const victim = await waitFor('victim running', () => stateOf('victim'));
    assert.ok(alive(original.pid));

    await killAgent(agent, 'SIGKILL');
    assert.equal(alive(original.pid), true, 'the container survives its agent');
    // A container killed while no agent runs: the new agent must find it stopped and restart it once.
    process.kill(victim.pid, 'SIGKILL');
    await waitFor('victim recorded as stopped', () => !stateOf('victim'));
    const second = startAgentProcess(bed, output);
    agent = second.child;
    await second.synced;

    // Give the new agent several relists and syncs to do something wrong.
    await sleep(1500);
    const running = shimStatesUnder(podDir).filter((s) => s.status === 'running' && alive(s.pid));
    assert.equal(running.length, 2, `running: ${JSON.stringify(running)}`);
    assert.equal(stateOf('main')!.pid, original.pid, 'the same container, re-adopted');
    assert.deepEqual(readdirSync(join(podDir, 'containers', 'main')), ['0']);
    assert.deepEqual(readdirSync(join(podDir, 'containers', 'done')), ['0']);
    assert.deepEqual(readdirSync(join(podDir, 'containers', 'victim')).sort(), ['0', '1']);
    const statuses = await waitFor('victim restarted in the status', async () => {
      const cs = ((await bed.getPod('kap-survivor'))?.status as any).containerStatuses as any[];
      return cs.find((c) => c.name === 'victim').state.running ? cs : undefined;
    });
    const main = statuses.find((c) => c.name === 'main');
    assert.deepEqual(main.state, before.state);
    assert.equal(main.restartCount, 0);
    const restarted = statuses.find((c) => c.name === 'victim');
    assert.equal(restarted.restartCount, 1);
    assert.equal(restarted.lastState.terminated.exitCode, 137);
    assert.equal(restarted.lastState.terminated.signal, 9);
    assert.equal(statuses.find((c) => c.name === 'done').state.terminated.reason, 'Completed');

    // The re-adopted container is still managed: deletion stops and removes it.
    await bed.node.pods.delete('default', 'kap-survivor', { gracePeriodSeconds: 1 });
    await waitFor('pod removed', async () => (await bed.getPod('kap-survivor')) === null);
    assert.equal(alive(original.pid), false);
  } catch (err) {
    console.error(output.join(''));
    throw err;
  } finally {
    if (agent) await killAgent(agent, 'SIGKILL');
    await bed.cleanup();
  }
});
