#!/usr/bin/env node
// Builds the project's base images from Debian packages and makes them available to pods:
//   busybox:1.35 (also busybox:latest) from busybox-static, with a relative symlink per applet.
// Always writes an OCI layout (default .kapstan/images/busybox) that `importImage` / `kctl image import`
// loads. With --push it also pushes to a local registry (Debian's docker-registry, started on loopback
// if nothing answers there) that agents mirror docker.io to, so pods keep the usual names.
//
//   node scripts/images-base.mjs [--out DIR] [--push] [--registry 127.0.0.1:5000]
//                                [--registry-dir /var/lib/kapstan/registry] [--import AGENT_IMAGES_ROOT]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, readFileSync, copyFileSync, chmodSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const BUSYBOX = '/bin/busybox';
const BUSYBOX_VERSION_TAGS = ['busybox:1.35', 'busybox:latest'];

function parseArgs(argv) {
  const opts = { out: join(root, '.kapstan/images/busybox'), push: false, registry: '127.0.0.1:5000', registryDir: '/var/lib/kapstan/registry', import: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--push') opts.push = true;
    else if (a === '--out') opts.out = resolve(value());
    else if (a === '--registry') opts.registry = value();
    else if (a === '--registry-dir') opts.registryDir = resolve(value());
    else if (a === '--import') opts.import = resolve(value());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!/^(127\.\d+\.\d+\.\d+|localhost):\d+$/.test(opts.registry)) throw new Error(`--registry must be a loopback HOST:PORT, got ${opts.registry}`);
  return opts;
}

function aptInstall(pkg) {
  console.error(`images:base: installing ${pkg} with apt-get`);
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function isStatic(binary) {
  try {
    return !execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).includes('=>');
  } catch {
    return true; // ldd exits non-zero with "not a dynamic executable"
  }
}

function ensureBusyboxStatic() {
  if (!existsSync(BUSYBOX) || !isStatic(BUSYBOX)) aptInstall('busybox-static');
  if (!isStatic(BUSYBOX)) throw new Error(`${BUSYBOX} is not statically linked even after installing busybox-static`);
}

/** A busybox rootfs: /bin/busybox, one relative symlink per applet, and the few files images expect. */
function buildRootfs(dir) {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'root', 'home', 'var', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  chmodSync(join(dir, 'tmp'), 0o1777);
  chmodSync(join(dir, 'root'), 0o700);
  copyFileSync(BUSYBOX, join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').map((l) => l.trim()).filter((l) => l && l !== 'bin/busybox');
  for (const applet of applets) {
    const link = join(dir, applet);
    mkdirSync(dirname(link), { recursive: true });
    if (!existsSync(link)) symlinkSync(relative(dirname(link), join(dir, 'bin/busybox')), link);
  }
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
  return applets.length;
}

async function registryAnswers(url) {
  try {
    const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.status === 200 || res.status === 401;
  } catch {
    return false;
  }
}

/** Starts Debian's docker-registry detached, with our own config that listens on the loopback address only. */
async function startRegistry(hostPort, dataDir) {
  if (!existsSync('/usr/bin/docker-registry')) aptInstall('docker-registry');
  mkdirSync(join(dataDir, 'data'), { recursive: true });
  const config = join(dataDir, 'config.yml');
  writeFileSync(config, [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dataDir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${hostPort}`,
    '',
  ].join('\n'));
  // Read back what the registry will read: it must not listen beyond loopback (Debian's own config says ":5000").
  const addr = /^\s*addr:\s*(\S+)/m.exec(readFileSync(config, 'utf8'))?.[1] ?? '';
  if (!/^(127\.\d+\.\d+\.\d+|localhost):\d+$/.test(addr)) throw new Error(`refusing to start docker-registry listening on "${addr}"`);
  const log = openSync(join(dataDir, 'registry.log'), 'a');
  const child = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: ['ignore', log, log], detached: true });
  child.unref();
  writeFileSync(join(dataDir, 'registry.pid'), `${child.pid}\n`);
  const url = `http://${hostPort}`;
  for (let i = 0; i < 150; i++) {
    if (await registryAnswers(url)) return child.pid;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer on ${url}; see ${join(dataDir, 'registry.log')}`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(join(root, 'dist/node-agent/images/image-builder.js'))) {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  }
  const { ContentStore } = require('../dist/node-agent/images/content-store.js');
  const { imageFromDirectory } = require('../dist/node-agent/images/image-builder.js');
  const { writeOciLayout } = require('../dist/node-agent/images/oci-layout.js');
  const { parseImageReference } = require('../dist/node-agent/images/image-reference.js');
  const { RegistryClient } = require('../dist/node-agent/images/registry-client.js');
  const { ImageService } = require('../dist/node-agent/images/image-service.js');

  ensureBusyboxStatic();
  const work = mkdtempSync(join(tmpdir(), 'kap-images-base-'));
  try {
    const rootfs = join(work, 'rootfs');
    const applets = buildRootfs(rootfs);
    const content = new ContentStore(join(work, 'content'));
    const image = await imageFromDirectory(content, rootfs, { cmd: ['sh'], rootOwned: true });
    rmSync(opts.out, { recursive: true, force: true });
    await writeOciLayout(opts.out, content, image.manifestDigest, BUSYBOX_VERSION_TAGS);
    console.log(`busybox:1.35 (${applets} applets) ${image.manifestDigest} -> OCI layout ${opts.out}`);

    if (opts.import) {
      const images = new ImageService({ root: opts.import });
      for (const tag of BUSYBOX_VERSION_TAGS) await images.importImage(opts.out, tag);
      console.log(`imported ${BUSYBOX_VERSION_TAGS.join(', ')} into ${opts.import}`);
    }

    if (opts.push) {
      const url = `http://${opts.registry}`;
      if (await registryAnswers(url)) console.log(`using the registry already answering on ${url}`);
      else console.log(`started docker-registry (pid ${await startRegistry(opts.registry, opts.registryDir)}) on ${url}`);
      const client = new RegistryClient();
      const manifestRaw = await content.readBlob(image.manifestDigest);
      for (const tag of BUSYBOX_VERSION_TAGS) {
        const ref = parseImageReference(`${opts.registry}/library/${tag}`);
        for (const d of [image.manifest.config, ...image.manifest.layers]) await client.pushBlob(ref, await content.readBlob(d.digest), d.digest);
        await client.pushManifest(ref, manifestRaw, image.manifest.mediaType);
        console.log(`pushed ${opts.registry}/library/${tag}`);
      }
      console.log(`agents mirror docker.io to it with: { "docker.io": { "mirrors": ["${url}"] } }  (hosts.toml: [host."${url}"] capabilities = ["pull", "resolve"])`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`images:base: ${err.message}`);
  process.exit(1);
});
