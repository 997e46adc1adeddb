// Command and flag definitions, apart from the code that runs them.
import type { FlagSpec } from './flags';

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'Path to the kubeconfig file to use for CLI requests.' },
  { name: 'server', short: 's', type: 'string', help: 'The address and port of the Kubernetes API server' },
  { name: 'token', type: 'string', help: 'Bearer token for authentication to the API server' },
  { name: 'context', type: 'string', help: 'The name of the kubeconfig context to use' },
  { name: 'namespace', short: 'n', type: 'string', help: 'If present, the namespace scope for this CLI request' },
  { name: 'insecure-skip-tls-verify', type: 'bool', help: "If true, the server's certificate will not be checked for validity." },
  { name: 'help', short: 'h', type: 'bool', help: 'Show help for the command.' },
];

const filename: FlagSpec = { name: 'filename', short: 'f', type: 'strings', help: 'Files, directories or - (stdin) holding the manifests.' };
const recursive: FlagSpec = { name: 'recursive', short: 'R', type: 'bool', help: 'Process the directory used in -f recursively.' };
const selector: FlagSpec = { name: 'selector', short: 'l', type: 'string', help: 'Label selector (=, ==, !=, in, notin, key, !key).' };

export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  flags: FlagSpec[];
}

const container: FlagSpec = { name: 'container', short: 'c', type: 'string', help: 'Container name (default: the pod\'s default or first container).' };

export const COMMANDS: CommandSpec[] = [
  {
    name: 'apply',
    usage: 'kctl apply -f FILENAME|DIR|- [-R] [--server-side [--field-manager NAME] [--force-conflicts]]',
    summary: 'Apply a configuration to resources by file name or stdin',
    flags: [
      filename,
      recursive,
      { name: 'server-side', type: 'bool', help: 'The apiserver merges the configuration and tracks field ownership (PATCH application/apply-patch+yaml).' },
      { name: 'field-manager', type: 'string', help: 'The manager that owns the applied fields (default "kubectl" with --server-side).' },
      { name: 'force-conflicts', type: 'bool', help: 'With --server-side: take fields other managers own instead of failing.' },
    ],
  },
  {
    name: 'get',
    usage: 'kctl get TYPE[,TYPE...] [NAME...] [-n NS | -A] [-l SEL] [--field-selector SEL] [-o wide|yaml|json|name|jsonpath=...] [-w]',
    summary: 'Display one or many resources',
    flags: [
      selector,
      { name: 'output', short: 'o', type: 'string', help: 'Output format: wide, yaml, json, name, jsonpath=TEMPLATE.' },
      { name: 'all-namespaces', short: 'A', type: 'bool', help: 'List the requested objects across all namespaces.' },
      { name: 'field-selector', type: 'string', help: 'Field selector, e.g. status.phase=Running.' },
      { name: 'watch', short: 'w', type: 'bool', help: 'After listing, watch for changes.' },
      { name: 'show-kind', type: 'bool', help: 'List the resource type of the requested objects.' },
      { name: 'show-labels', type: 'bool', help: 'Show all labels as the last column.' },
      { name: 'show-managed-fields', type: 'bool', help: 'Keep metadata.managedFields in JSON and YAML output.' },
      { name: 'no-headers', type: 'bool', help: 'Do not print headers.' },
    ],
  },
  {
    name: 'describe',
    usage: 'kctl describe TYPE [NAME...] [-l SEL]',
    summary: 'Show details of a resource, with its events',
    flags: [selector],
  },
  {
    name: 'delete',
    usage: 'kctl delete TYPE NAME... | TYPE/NAME | -f FILE [--wait] [--grace-period N] [--cascade=background|foreground|orphan]',
    summary: 'Delete resources by file names, stdin, resources and names, or by label selector',
    flags: [
      filename,
      recursive,
      selector,
      { name: 'all', type: 'bool', help: 'Delete all resources of the types given, in the namespace.' },
      { name: 'wait', type: 'bool', default: true, help: 'Wait for the objects to be gone before returning.' },
      { name: 'grace-period', type: 'int', default: -1, help: 'Seconds given to the resource to terminate gracefully (-1: its default).' },
      { name: 'now', type: 'bool', help: 'Signal resources for immediate shutdown (grace period 1).' },
      { name: 'cascade', type: 'string', default: 'background', help: 'background, foreground or orphan.' },
    ],
  },
  {
    name: 'create',
    usage: 'kctl create namespace NAME | kctl create job NAME --from=cronjob/NAME | kctl create -f FILE',
    summary: 'Create a resource from a file or stdin, a namespace, or a Job from a CronJob',
    flags: [filename, recursive, { name: 'from', type: 'string', help: 'The resource to create a Job from (only cronjob/NAME).' }],
  },
  {
    name: 'scale',
    usage: 'kctl scale TYPE/NAME... --replicas=COUNT [--current-replicas=COUNT] [--resource-version=V]',
    summary: 'Set a new size for a deployment or replica set',
    flags: [
      { name: 'replicas', type: 'int', default: -1, help: 'The new desired number of replicas. Required.' },
      { name: 'current-replicas', type: 'int', default: -1, help: 'Precondition for current size (-1: none).' },
      { name: 'resource-version', type: 'string', help: 'Precondition for resource version.' },
    ],
  },
  {
    name: 'rollout',
    usage:
      'kctl rollout status TYPE/NAME [-w=false] [--timeout D] [--revision N] | history TYPE/NAME [--revision N] | undo TYPE/NAME [--to-revision N] | restart|pause|resume TYPE/NAME',
    summary: 'Manage the rollout of deployments and daemon sets',
    flags: [
      { name: 'watch', short: 'w', type: 'bool', default: true, help: 'status: watch the rollout until it is done (-w=false: print once).' },
      { name: 'timeout', type: 'string', help: 'status: time to wait before giving up, e.g. 5m (0: never).' },
      { name: 'revision', type: 'int', default: 0, help: 'history: show this revision\'s pod template; status: pin to this revision.' },
      { name: 'to-revision', type: 'int', default: 0, help: 'undo: the revision to roll back to (0: the previous one).' },
    ],
  },
  {
    name: 'set',
    usage: "kctl set image TYPE/NAME... CONTAINER=IMAGE... | '*'=IMAGE",
    summary: 'Update the container images of a pod template or pod',
    flags: [],
  },
  {
    name: 'image',
    usage: 'kctl image import FILE|DIR --name NAME:TAG [--node NODE] | kctl image ls [--node NODE]',
    summary: "Load an OCI layout, docker save or rootfs tar into nodes' image stores (no registry); list them",
    flags: [
      { name: 'name', type: 'string', help: 'import: the name (NAME:TAG) pods use for the image.' },
      { name: 'node', type: 'string', help: 'The node to import into or list (default: every Ready node).' },
    ],
  },
  // Last, so that in main's first pass over every command's flags a short -f
  // is --follow (a bool): `kctl logs POD -f` must not read -f as --filename.
  {
    name: 'logs',
    usage: 'kctl logs POD [-c CONTAINER] [-f] [--tail N] [--previous] [--timestamps] [--since D | --since-time T] [--limit-bytes N]',
    summary: 'Print the logs for a container in a pod',
    flags: [
      container,
      { name: 'follow', short: 'f', type: 'bool', help: 'Specify if the logs should be streamed.' },
      { name: 'tail', type: 'int', default: -1, help: 'Lines of recent log file to display (-1: all).' },
      { name: 'previous', short: 'p', type: 'bool', help: 'Print the logs for the previous instance of the container.' },
      { name: 'timestamps', type: 'bool', help: 'Include timestamps on each line in the log output.' },
      { name: 'since', type: 'string', help: 'Only logs newer than a relative duration like 5s, 2m, or 3h.' },
      { name: 'since-time', type: 'string', help: 'Only logs after this RFC 3339 time.' },
      { name: 'limit-bytes', type: 'int', help: 'Maximum bytes of logs to return.' },
    ],
  },
  {
    name: 'exec',
    usage: 'kctl exec POD [-c CONTAINER] [-i] [-t] -- COMMAND [args...]',
    summary: 'Execute a command in a container',
    flags: [
      container,
      { name: 'stdin', short: 'i', type: 'bool', help: 'Pass stdin to the container.' },
      { name: 'tty', short: 't', type: 'bool', help: 'Stdin is a TTY.' },
    ],
  },
  {
    name: 'port-forward',
    usage: 'kctl port-forward (pod/NAME|svc/NAME|deploy/NAME|NAME) [LOCAL:]REMOTE... [--address ADDR,...]',
    summary: 'Forward one or more local ports to a pod',
    flags: [{ name: 'address', type: 'strings', help: 'Addresses to listen on (comma-separated; default localhost = 127.0.0.1 and ::1).' }],
  },
  { name: 'api-resources', usage: 'kctl api-resources', summary: 'Print the supported API resources on the server', flags: [] },
  {
    name: 'version',
    usage: 'kctl version [--client]',
    summary: 'Print the client and server version information',
    flags: [{ name: 'client', type: 'bool', help: 'Client version only (no server required).' }],
  },
];

export function usageText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return (
    'kctl controls a Kapstan cluster.\n\nCommands:\n' +
    COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}\n`).join('') +
    '\nGlobal flags:\n' +
    GLOBAL_FLAGS.map((f) => `  ${f.short ? `-${f.short}, ` : '    '}--${f.name}: ${f.help}\n`).join('') +
    '\nUsage:\n  kctl COMMAND [flags]\n'
  );
}

export function commandHelp(c: CommandSpec): string {
  return `${c.summary}.\n\nUsage:\n  ${c.usage}\n\nFlags:\n` + c.flags.map((f) => `  ${f.short ? `-${f.short}, ` : '    '}--${f.name}: ${f.help}\n`).join('');
}
