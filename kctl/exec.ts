// kctl exec POD [-c C] [-i] [-t] -- CMD...: runs a command in a container
// over a WebSocket (subprotocol v5.channel.k8s.io; channel bytes 0 stdin,
// 1 stdout, 2 stderr, 3 status, 4 resize, 255 close), as kubectl 1.30+ does.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import WebSocket from 'ws';
import { ApiError } from '../api/errors';
import { errorFromResponse } from '../client/rest-client';
import { bool, str, UsageError } from './flags';
import { chooseContainer, tlsOptionsOf } from './logs';
import type { Session } from './session';

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

/** The process's terminal, when kctl runs as a real command (not in tests). */
export interface ExecTerminal {
  stdin: Readable & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  /** Current size of the output terminal, if it is one. */
  size(): { width: number; height: number } | undefined;
  onResize(listener: () => void): () => void;
}

export function processTerminal(): ExecTerminal {
  return {
    stdin: process.stdin,
    size: () => (process.stdout.isTTY ? { width: process.stdout.columns, height: process.stdout.rows } : undefined),
    onResize(listener) {
      process.stdout.on('resize', listener);
      return () => process.stdout.off('resize', listener);
    },
  };
}

/** kubectl accepts `-it`; kctl's flag parser takes one short flag per word, so split it. */
export function splitCombinedExecFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') return [...out, ...argv.slice(i)];
    if (/^-[it]{2}$/.test(argv[i])) out.push(`-${argv[i][1]}`, `-${argv[i][2]}`);
    else out.push(argv[i]);
  }
  return out;
}

export async function runExec(session: Session, args: string[], terminal?: ExecTerminal): Promise<number> {
  const [podArg, ...command] = args;
  if (!podArg) throw new UsageError('expected a pod name: kctl exec POD [-c CONTAINER] [-i] [-t] -- COMMAND [args...]');
  if (command.length === 0) throw new UsageError('you must specify at least one command for the container');
  const pod = podArg.replace(/^(pods?|po)\//, '');
  const stdin = bool(session.flags, 'stdin');
  let tty = bool(session.flags, 'tty');
  if (tty && !stdin) {
    session.io.err('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    tty = false;
  }
  const container = await chooseContainer(session, pod, str(session.flags, 'container'));

  const url = new URL(session.config.server.replace(/\/+$/, '') + `/api/v1/namespaces/${encodeURIComponent(session.namespace)}/pods/${encodeURIComponent(pod)}/exec`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const c of command) url.searchParams.append('command', c);
  if (container) url.searchParams.set('container', container);
  url.searchParams.set('stdin', String(stdin));
  url.searchParams.set('stdout', 'true');
  url.searchParams.set('stderr', String(!tty));
  url.searchParams.set('tty', String(tty));

  const { headers, ...tls } = tlsOptionsOf(session.config);
  const ws = new WebSocket(url, PROTOCOLS, { ...tls, headers, perMessageDeflate: false });
  const outDecoder = new StringDecoder('utf8');
  const errDecoder = new StringDecoder('utf8');
  const cleanups: (() => void)[] = [];
  let status: { status?: string; reason?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } } | undefined;

  try {
    await new Promise<void>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(errorFromResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
      });
      ws.on('error', (err) => reject(new ApiError('InternalError', `exec: ${err.message}`)));
      ws.on('close', () => resolve());
      ws.on('open', () => {
        const sendResize = () => {
          const size = terminal?.size();
          if (tty && size) ws.send(Buffer.concat([Buffer.from([CHANNEL.resize]), Buffer.from(JSON.stringify({ Width: size.width, Height: size.height }))]));
        };
        sendResize();
        if (terminal) cleanups.push(terminal.onResize(sendResize));
        if (stdin) cleanups.push(pumpStdin(ws, session, terminal, tty));
      });
      ws.on('message', (data: Buffer) => {
        if (data.length === 0) return;
        const payload = data.subarray(1);
        if (data[0] === CHANNEL.stdout) session.io.out(outDecoder.write(payload));
        else if (data[0] === CHANNEL.stderr) session.io.err(errDecoder.write(payload));
        else if (data[0] === CHANNEL.status) status = JSON.parse(payload.toString('utf8'));
      });
    });
  } finally {
    for (const c of cleanups) c();
  }
  session.io.out(outDecoder.end());
  session.io.err(errDecoder.end());
  if (!status || status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const code = Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message ?? 1);
    session.io.err(`command terminated with exit code ${code}\n`);
    return code;
  }
  throw new ApiError('InternalError', status.message ?? 'the command could not be run');
}

/** Sends stdin (raw when a TTY is used) until it ends, then closes the stdin channel (v5). */
function pumpStdin(ws: WebSocket, session: Session, terminal: ExecTerminal | undefined, tty: boolean): () => void {
  const closeStdin = () => {
    if (ws.readyState === ws.OPEN && ws.protocol.startsWith('v5')) ws.send(Buffer.from([CHANNEL.close, CHANNEL.stdin]));
  };
  if (!terminal) {
    // No process stdin (tests, embedding): send what readStdin gives, then close.
    void session.io.readStdin().then((text) => {
      if (text && ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([CHANNEL.stdin]), Buffer.from(text)]));
      closeStdin();
    });
    return () => undefined;
  }
  const input = terminal.stdin;
  const raw = tty && input.isTTY === true && typeof input.setRawMode === 'function';
  if (raw) input.setRawMode!(true);
  const onData = (chunk: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([CHANNEL.stdin]), chunk]));
  };
  input.on('data', onData);
  input.once('end', closeStdin);
  input.resume();
  return () => {
    input.off('data', onData);
    input.off('end', closeStdin);
    input.pause();
    if (raw) input.setRawMode!(false);
  };
}
