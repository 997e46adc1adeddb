// Runs the agent as its own process, so a test can SIGKILL it: `node agent-process.js '<json options>'`.
// Prints "synced" once the first pod list has been handed to the workers; SIGTERM stops it cleanly.
import { startAgent } from '../../node-agent';
import { BusyboxImages } from './fixture-images';

interface ProcessOptions {
  server: string;
  token: string;
  nodeName: string;
  dataDir: string;
  layerDir: string;
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]) as ProcessOptions;
  const write = (level: string) => (msg: string, fields?: Record<string, unknown>) => process.stderr.write(`${level} ${msg} ${JSON.stringify(fields ?? {})}\n`);
  const agent = await startAgent({
    server: o.server, token: o.token, nodeName: o.nodeName, nodeIp: '127.0.0.1', dataDir: o.dataDir,
    images: new BusyboxImages(o.layerDir), log: { info: write('info'), warn: write('warn'), error: write('error') },
    heartbeatIntervalMs: 500, relistIntervalMs: 100, retryDelayMs: 200,
    backoff: { initialMs: 400, maxMs: 3_200, resetAfterMs: 600_000 },
  });
  process.once('SIGTERM', () => void agent.stop().then(() => process.exit(0)));
  await agent.synced;
  process.stdout.write('synced\n');
}

main().catch((err) => {
  process.stderr.write(`agent failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
