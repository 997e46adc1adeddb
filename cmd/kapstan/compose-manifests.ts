// Turns the files given to `kapstan up -f` into Kubernetes manifests: Compose
// files are converted (their warnings printed, never dropped silently),
// anything else is passed through as it is.
import { mkdirSync, writeFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadComposeFile, convertCompose, toYaml, looksLikeComposeFile, findComposeFile } from './compose';

export interface ManifestSources {
  /** Paths kctl apply can read. */
  files: string[];
  warnings: string[];
}

export function manifestsFor(files: string[], opts: { cwd: string; outDir: string; volumesRoot: string; profiles?: string[] }): ManifestSources {
  const given = files.length ? files : [findComposeFile(opts.cwd)].filter((f): f is string => !!f);
  const out: ManifestSources = { files: [], warnings: [] };
  for (const f of given) {
    if (isFile(f) && looksLikeComposeFile(f)) {
      const project = loadComposeFile(f);
      const { objects, warnings } = convertCompose(project, { volumesRoot: opts.volumesRoot, profiles: opts.profiles });
      mkdirSync(opts.outDir, { recursive: true });
      const converted = join(opts.outDir, `${basename(f).replace(/\.ya?ml$/i, '')}.kubernetes.yaml`);
      writeFileSync(converted, toYaml(objects));
      out.files.push(converted);
      out.warnings.push(...warnings.map((w) => `${f}: ${w}`));
    } else {
      out.files.push(f);
    }
  }
  return out;
}

/** `kapstan convert -f compose.yaml`: prints the manifests `up` would apply. */
export function runConvert(flags: { file?: string[]; profile?: string[] }): number {
  const files = flags.file?.length ? flags.file : [findComposeFile(process.cwd())].filter((f): f is string => !!f);
  if (files.length === 0) {
    console.error('kapstan convert: no compose file given (-f) or found (compose.yaml, docker-compose.yml, ...)');
    return 1;
  }
  try {
    for (const f of files) {
      const { objects, warnings } = convertCompose(loadComposeFile(f), { profiles: flags.profile });
      for (const w of warnings) console.error(`warning: ${f}: ${w}`);
      process.stdout.write(toYaml(objects));
    }
    return 0;
  } catch (err) {
    console.error(`kapstan convert: ${(err as Error).message}`);
    return 1;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
