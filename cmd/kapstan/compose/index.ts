// Docker Compose files for `kapstan up -f compose.yaml` and `kapstan convert`:
// load (YAML, interpolation, project name), convert to Kubernetes objects with
// a warning for every key that is not carried over, print as YAML.
export { loadComposeFile, findComposeFile, looksLikeComposeFile, COMPOSE_FILE_NAMES, type LoadOptions } from './load';
export { convertCompose, type ConvertOptions, type ConvertResult } from './convert';
export { toYaml } from './to-yaml';
export { ComposeError, type ComposeProject, type ComposeService } from './project';
