// Build step: generated code, the C helper (when present), then TypeScript.
// npm 11 runs no install scripts of dependencies, so everything native is built here.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });

// 1. gRPC contracts -> proto/generated (ts-proto).
const protoDir = join(root, 'proto');
const protos = existsSync(protoDir) ? readdirSync(protoDir).filter((f) => f.endsWith('.proto')) : [];
if (protos.length > 0) {
  const out = join(protoDir, 'generated');
  mkdirSync(out, { recursive: true });
  run('protoc', [
    `--plugin=protoc-gen-ts_proto=${join(root, 'node_modules/.bin/protoc-gen-ts_proto')}`,
    `--ts_proto_out=${out}`,
    '--ts_proto_opt=outputServices=grpc-js,esModuleInterop=true,env=node,useOptionals=messages,forceLong=number',
    `--proto_path=${protoDir}`,
    ...protos,
  ]);
}

// 2. Native helper (node-agent/helper/Makefile), built from source with the machine's cc.
const helperMake = join(root, 'node-agent/helper/Makefile');
if (existsSync(helperMake)) run('make', ['-s', '-C', join(root, 'node-agent/helper')]);

// 3. TypeScript.
run(join(root, 'node_modules/.bin/tsc'), ['-p', root]);
