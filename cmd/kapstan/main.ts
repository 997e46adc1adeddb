// `kapstan`: the daemons. Command and flag definitions live here; the work
// is done by the components this layer composes.
import { parseArgs } from 'node:util';
import { serverFlags, agentFlags, upFlags, standaloneFlags, convertFlags, downFlags, tokenRotateFlags } from './flags';

const USAGE = `Usage: kapstan <command> [flags]

Commands:
  server              Run the control plane: apiserver on etcd (managed unless --etcd-endpoints), controllers, scheduler
  agent               Run a node agent that joins a server: kapstan agent --server URL --token TOKEN
  up                  A single-node cluster in the foreground (or -d), with -f manifests applied and their logs followed
  down                Stop what 'kapstan up -d' started
  scheduler           Run only the scheduler: --kubeconfig FILE [--config FILE]
  controller-manager  Run only the controllers: --kubeconfig FILE
  convert             Print the Kubernetes manifests a compose file becomes: kapstan convert -f compose.yaml
  token rotate        A new node join token for the cluster (the old one is refused; joined nodes keep working)
  version             Print the version

Run 'kapstan <command> --help' for the command's flags.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server': {
      const { values } = parseArgs({ args: rest, options: serverFlags, strict: true });
      if (values.help) {
        console.log(serverHelp());
        return 0;
      }
      // As k3s's K3S_TOKEN: a systemd EnvironmentFile keeps the token off the command line.
      return (await import('./server')).runServer({ ...values, token: values.token ?? process.env.KAPSTAN_TOKEN });
    }
    case 'agent': {
      const { values } = parseArgs({ args: rest, options: agentFlags, strict: true });
      if (values.help) {
        console.log(agentHelp());
        return 0;
      }
      // The agent only, before its code runs: no optimizing compiler (TurboFan). Its work is
      // waiting on processes and gRPC, and TurboFan's code and data were ~4 MiB of its idle RSS.
      // (--max-semi-space-size cannot be set here: V8 sizes the young generation at start-up.)
      if (process.env.KAPSTAN_AGENT_OPTIMIZE !== '1') (await import('node:v8')).setFlagsFromString('--no-opt');
      return (await import('./agent')).runAgent({
        ...values,
        server: values.server?.join(',') ?? process.env.KAPSTAN_SERVER,
        token: values.token ?? process.env.KAPSTAN_TOKEN,
      });
    }
    case 'up': {
      const { values } = parseArgs({ args: rest, options: upFlags, strict: true });
      if (values.help) {
        console.log(upHelp());
        return 0;
      }
      return (await import('./up')).runUp(values, argv);
    }
    case 'scheduler':
    case 'controller-manager': {
      const { values } = parseArgs({ args: rest, options: standaloneFlags, strict: true });
      if (values.help) {
        console.log(`Usage: kapstan ${command} [--kubeconfig FILE]${command === 'scheduler' ? ' [--config SCHEDULER-CONFIG.yaml]' : ''}`);
        return 0;
      }
      return (await import('./standalone')).runStandalone(command, values);
    }
    case 'convert': {
      const { values } = parseArgs({ args: rest, options: convertFlags, strict: true });
      return (await import('./compose-manifests')).runConvert(values);
    }
    case 'down': {
      const { values } = parseArgs({ args: rest, options: downFlags, strict: true });
      return (await import('./up')).runDown(values);
    }
    case 'token': {
      const [sub, ...tokenArgs] = rest;
      const { values } = parseArgs({ args: tokenArgs, options: tokenRotateFlags, strict: true });
      if (sub !== 'rotate' || values.help) {
        console.log(`Usage: kapstan token rotate [--data-dir DIR] [--new-token SECRET]

  Stores a new node join token for every server of the cluster (through DATA/admin.kubeconfig),
  rewrites DATA/node-token and prints the token. Agents that joined keep their certificates.

  --data-dir DIR          the local server's data dir (default /var/lib/kapstan)
  --new-token SECRET      the new secret (letters, digits, . _ ~ -); default: 16 random bytes`);
        return sub === 'rotate' || (sub === undefined && values.help) ? 0 : 1;
      }
      return (await import('./token')).runTokenRotate(values);
    }
    case 'version':
    case '--version':
      console.log('kapstan v0.1.0');
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      console.error(`kapstan: unknown command "${command}"\n\n${USAGE}`);
      return 1;
  }
}

function upHelp(): string {
  return `Usage: kapstan up [-f FILE|DIR ...] [flags]

  -f, --file FILE         manifests or a compose file to apply once the node is Ready (repeatable;
                          default: compose.yaml / docker-compose.yml here, if there is one)
  --profile NAME          enable a compose profile (repeatable)
  -d, --detach            run in the background; stop with 'kapstan down'
  --data-dir DIR          the cluster's state (default ~/.kapstan, or $KAPSTAN_DATA)
  --listen HOST:PORT      the API address (default 127.0.0.1:6443)
  --etcd-client-port N    the managed etcd's client port (default 2379)
  --node-name NAME        the local node's name (default: the host name)
  --no-color              no colours in the log prefixes`;
}

function agentHelp(): string {
  return `Usage: kapstan agent --server https://HOST:PORT --token TOKEN [flags]

  --server URL            a server's API address (its agent endpoint is the next port up); repeat it
                          or give a comma list for HA servers (IP addresses): the agent fails over
  --token TOKEN           the join token (DATA/node-token on the server)
                          (KAPSTAN_SERVER and KAPSTAN_TOKEN in the environment stand for --server and --token)
  --token-file FILE       read the join token from FILE
  --node-name NAME        this node's name (default: the host name)
  --node-ip IP            the address other nodes reach this one at
  --data-dir DIR          containers, images and state (default /var/lib/kapstan/agent)
  --agent-port N          the server's agent endpoint port (default: the API port + 1)
  --cluster-dns IP        the cluster DNS address pods use, served on this node ('' = none; default 10.96.0.10)
  --cluster-domain NAME   the cluster domain (default cluster.local)
  --resolv-conf FILE      the node's resolv.conf: cluster DNS upstreams (default /etc/resolv.conf)
  --pod-network MODE      host-gw (routes via node IPs; nodes on one L2 segment, the default) or vxlan (an overlay for nodes that share only L3)
  --image-gc-high-threshold PERCENT
                          disk usage of the image store above which unused images are removed, least recently used first (default 85)
  --image-gc-low-threshold PERCENT
                          the usage image garbage collection frees down to (default 80)`;
}

function serverHelp(): string {
  return `Usage: kapstan server [flags]

  --data-dir DIR          state, TLS material and the managed etcd (default /var/lib/kapstan)
  --listen HOST:PORT      HTTPS address of the API (default 127.0.0.1:6443)
  --etcd-endpoints URLS   use this etcd cluster (comma-separated) instead of a managed one
  --etcd-client-port N    client port of the managed etcd (default 2379; its peer port is N+1)
  --tls-san NAME          extra subject alternative name for the serving certificate (repeatable)
  --agent-port N          port of the node agents' gRPC endpoint (default: the API port + 1)
  --disable-scheduler     do not run the scheduler in this process
  --disable-controllers   do not run the controllers in this process
  --event-ttl DURATION    how long Events are kept after their last change (default 1h; e.g. 30m, 90s)
  --node-monitor-grace-period DURATION
                          how long a node may miss heartbeats before it is Unknown and its
                          pods' unreachable tolerations start to run out (default 40s)

High availability (3 servers on a managed etcd cluster):
  --cluster-init          first server: its etcd accepts peers on the machine address (port N+1, mutual TLS)
  --join URL              join the server at URL (https://FIRST:6443): fetch the CA and secrets, add an etcd member
  --token TOKEN           the server token for --join (DATA/server-token of a running server; or KAPSTAN_TOKEN)
  --token-file FILE       read the server token from FILE
  --advertise-address IP  the address other machines reach this server at (default: the --listen IP)`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`kapstan: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
