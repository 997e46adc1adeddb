// The scheduler's configuration file (`--config`), a subset of
// kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration: profiles, each
// with a schedulerName and the plugins it enables or disables, per extension
// point or at once through multiPoint, with score weights and plugin args.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export interface PluginRef {
  name: string;
  weight?: number;
}

export interface PluginSet {
  enabled?: PluginRef[];
  disabled?: PluginRef[];
}

export const EXTENSION_POINTS = ['preFilter', 'filter', 'postFilter', 'preScore', 'score', 'reserve', 'bind'] as const;
export type ExtensionPoint = (typeof EXTENSION_POINTS)[number];

export interface ProfileConfig {
  schedulerName?: string;
  plugins?: { multiPoint?: PluginSet } & { [P in ExtensionPoint]?: PluginSet };
  pluginConfig?: { name: string; args?: Record<string, unknown> }[];
}

export interface SchedulerConfig {
  apiVersion?: string;
  kind?: string;
  /** 0 (default) adapts to the cluster size as kube-scheduler does; 100 checks every node. */
  percentageOfNodesToScore?: number;
  profiles?: ProfileConfig[];
}

/** kube-scheduler's default plugins, in its filter order, with its score weights. */
export const DEFAULT_PLUGINS: readonly PluginRef[] = [
  { name: 'NodeUnschedulable' },
  { name: 'NodeReady' },
  { name: 'NodeName' },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts' },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 },
  { name: 'DefaultPreemption' },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
  { name: 'DefaultBinder' },
];

export function loadSchedulerConfig(path: string): SchedulerConfig {
  return parseSchedulerConfig(readFileSync(path, 'utf8'), path);
}

export function parseSchedulerConfig(text: string, source = 'config'): SchedulerConfig {
  const doc = parseYaml(text) as unknown;
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${source}: expected a KubeSchedulerConfiguration object`);
  const cfg = doc as SchedulerConfig;
  if (cfg.kind !== undefined && cfg.kind !== 'KubeSchedulerConfiguration') throw new Error(`${source}: kind must be KubeSchedulerConfiguration, not ${cfg.kind}`);
  if (cfg.profiles !== undefined && !Array.isArray(cfg.profiles)) throw new Error(`${source}: profiles must be a list`);
  const pct = cfg.percentageOfNodesToScore;
  if (pct !== undefined && (typeof pct !== 'number' || pct < 0 || pct > 100)) throw new Error(`${source}: percentageOfNodesToScore must be between 0 and 100`);
  return cfg;
}

/** A profile resolved to the plugin names at each extension point, score weights and args. */
export interface ResolvedProfile {
  schedulerName: string;
  /** Every plugin enabled anywhere, in order. */
  plugins: string[];
  points: Record<ExtensionPoint, string[]>;
  weights: Map<string, number>;
  args: Map<string, Record<string, unknown>>;
}

/**
 * multiPoint plugins (the defaults, minus multiPoint.disabled, plus
 * multiPoint.enabled) run at every point they implement, which `implements`
 * tells; per-point lists then disable or add plugins at that point only.
 */
export function resolveProfile(
  profile: ProfileConfig,
  known: ReadonlySet<string>,
  implementsPoint: (plugin: string, point: ExtensionPoint) => boolean,
): ResolvedProfile {
  const schedulerName = profile.schedulerName || 'default-scheduler';
  const check = (ref: PluginRef) => {
    if (ref.name !== '*' && !known.has(ref.name)) throw new Error(`profile ${schedulerName}: unknown plugin ${JSON.stringify(ref.name)}`);
  };
  const multi = profile.plugins?.multiPoint ?? {};
  for (const ref of [...(multi.enabled ?? []), ...(multi.disabled ?? [])]) check(ref);
  const multiDisabled = new Set((multi.disabled ?? []).map((r) => r.name));
  const weights = new Map<string, number>();
  const multiPlugins: string[] = [];
  const addMulti = (ref: PluginRef) => {
    if (!multiPlugins.includes(ref.name)) multiPlugins.push(ref.name);
    if (ref.weight !== undefined) weights.set(ref.name, ref.weight);
  };
  if (!multiDisabled.has('*')) for (const ref of DEFAULT_PLUGINS) if (known.has(ref.name) && !multiDisabled.has(ref.name)) addMulti(ref);
  for (const ref of multi.enabled ?? []) addMulti(ref);

  const points = {} as Record<ExtensionPoint, string[]>;
  for (const point of EXTENSION_POINTS) {
    const set = profile.plugins?.[point] ?? {};
    for (const ref of [...(set.enabled ?? []), ...(set.disabled ?? [])]) check(ref);
    const disabled = new Set((set.disabled ?? []).map((r) => r.name));
    const names = disabled.has('*') ? [] : multiPlugins.filter((n) => !disabled.has(n) && implementsPoint(n, point));
    for (const ref of set.enabled ?? []) {
      if (!implementsPoint(ref.name, point)) throw new Error(`profile ${schedulerName}: plugin ${ref.name} has no ${point} extension`);
      if (!names.includes(ref.name)) names.push(ref.name);
      if (point === 'score' && ref.weight !== undefined) weights.set(ref.name, ref.weight);
    }
    points[point] = names;
  }
  for (const name of points.score) if (!weights.has(name)) weights.set(name, 1);
  const plugins = [...new Set(EXTENSION_POINTS.flatMap((p) => points[p]))];
  const args = new Map<string, Record<string, unknown>>();
  for (const pc of profile.pluginConfig ?? []) {
    check({ name: pc.name });
    args.set(pc.name, pc.args ?? {});
  }
  return { schedulerName, plugins, points, weights, args };
}
