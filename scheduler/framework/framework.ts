// One profile's plugins, instantiated and sorted by extension point, and the
// code that runs each point in order (kube-scheduler's frameworkImpl).
import type { Pod } from '../api-types';
import type { NodeInfo } from '../node-info';
import { ExtensionPoint, ProfileConfig, resolveProfile } from './config';
import { CycleState } from './cycle-state';
import {
  BindPlugin,
  FilterPlugin,
  FilterSimulator,
  FrameworkHandle,
  isBind,
  isFilter,
  isPostFilter,
  isPreFilter,
  isPreScore,
  isReserve,
  isScore,
  MAX_NODE_SCORE,
  NodeScore,
  Plugin,
  PostFilterPlugin,
  PostFilterResult,
  PreFilterPlugin,
  PreScorePlugin,
  Registry,
  ReservePlugin,
  ScorePlugin,
} from './interface';
import { Status } from './status';

const IMPLEMENTS: Record<ExtensionPoint, (p: Plugin) => boolean> = {
  preFilter: isPreFilter,
  filter: isFilter,
  postFilter: isPostFilter,
  preScore: isPreScore,
  score: isScore,
  reserve: isReserve,
  bind: isBind,
};

export class Framework {
  readonly schedulerName: string;
  readonly preFilters: PreFilterPlugin[];
  readonly filters: FilterPlugin[];
  readonly postFilters: PostFilterPlugin[];
  readonly preScores: PreScorePlugin[];
  readonly scores: { plugin: ScorePlugin; weight: number }[];
  readonly reserves: ReservePlugin[];
  readonly binders: BindPlugin[];

  constructor(profile: ProfileConfig, registry: Registry, handle: FrameworkHandle) {
    const args = new Map((profile.pluginConfig ?? []).map((pc) => [pc.name, pc.args ?? {}]));
    const instances = new Map<string, Plugin>();
    const instance = (name: string): Plugin => {
      let p = instances.get(name);
      if (!p) {
        const factory = registry.get(name);
        if (!factory) throw new Error(`unknown plugin ${JSON.stringify(name)}`);
        instances.set(name, (p = factory(args.get(name) ?? {}, handle)));
      }
      return p;
    };
    const resolved = resolveProfile(profile, new Set(registry.keys()), (name, point) => IMPLEMENTS[point](instance(name)));
    this.schedulerName = resolved.schedulerName;
    const at = <T extends Plugin>(point: ExtensionPoint) => resolved.points[point].map((n) => instance(n) as T);
    this.preFilters = at('preFilter');
    this.filters = at('filter');
    this.postFilters = at('postFilter');
    this.preScores = at('preScore');
    this.scores = at<ScorePlugin>('score').map((plugin) => ({ plugin, weight: resolved.weights.get(plugin.name) ?? 1 }));
    this.reserves = at('reserve');
    this.binders = at('bind');
    if (this.binders.length === 0) throw new Error(`profile ${this.schedulerName}: no bind plugin enabled`);
  }

  /** Runs every PreFilter; returns the first rejection, and the plugins whose Filter can be skipped. */
  runPreFilter(state: CycleState, pod: Pod): { status: Status; skip: Set<string> } {
    const skip = new Set<string>();
    for (const p of this.preFilters) {
      const s = guard(p, () => p.preFilter(state, pod));
      if (s.code === 'Skip') skip.add(p.name);
      else if (!s.isSuccess()) return { status: s.withPlugin(p.name), skip };
    }
    return { status: Status.SUCCESS, skip };
  }

  /** The first failing filter decides, as in kube-scheduler. */
  runFilter(state: CycleState, pod: Pod, node: NodeInfo, skip: ReadonlySet<string>): Status {
    // Runs for every plugin on hundreds of nodes per pod: no per-call closures or set lookups.
    const filters = this.filtersFor(skip);
    let i = 0;
    try {
      for (; i < filters.length; i++) {
        const s = filters[i].filter(state, pod, node);
        if (s.code !== 'Success') return s.withPlugin(filters[i].name);
      }
    } catch (err) {
      return Status.error(err).withPlugin(filters[i].name);
    }
    return Status.SUCCESS;
  }

  private lastSkip?: ReadonlySet<string>;
  private lastSkipSize = 0;
  private lastFilters: FilterPlugin[] = [];

  /** The Filter plugins PreFilter did not skip; one skip set serves a whole cycle. */
  private filtersFor(skip: ReadonlySet<string>): FilterPlugin[] {
    if (skip !== this.lastSkip || skip.size !== this.lastSkipSize) {
      this.lastSkip = skip;
      this.lastSkipSize = skip.size;
      this.lastFilters = this.filters.filter((p) => !skip.has(p.name));
    }
    return this.lastFilters;
  }

  async runPostFilter(state: CycleState, pod: Pod, statuses: Map<string, Status>, skip: ReadonlySet<string>): Promise<PostFilterResult> {
    const sim = this.simulator(state, pod, skip);
    for (const p of this.postFilters) {
      let result: PostFilterResult;
      try {
        result = await p.postFilter(state, pod, statuses, sim);
      } catch (err) {
        return { status: Status.error(err).withPlugin(p.name) };
      }
      if (result.status.isSuccess() || result.status.code === 'Error') return result;
    }
    return { status: Status.unschedulable() };
  }

  /** Filters for `pod` on simulated nodes, with PreFilter extensions keeping plugin state in step. */
  simulator(state: CycleState, pod: Pod, skip: ReadonlySet<string>): FilterSimulator {
    return {
      cloneState: () => state.clone(),
      filter: (s, node) => this.runFilter(s, pod, node, skip),
      addPod: (s, other, node) => {
        for (const p of this.preFilters) if (!skip.has(p.name)) p.addPod?.(s, pod, other, node);
      },
      removePod: (s, other, node) => {
        for (const p of this.preFilters) if (!skip.has(p.name)) p.removePod?.(s, pod, other, node);
      },
    };
  }

  /** Weighted sum of every score plugin's normalized score, per node (same order as `nodes`). */
  runScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): number[] | Status {
    // A plugin whose PreScore skips has nothing to score for this pod: its Score is not run (kube-scheduler's skipScorePlugins).
    let skipped: Set<string> | undefined;
    for (const p of this.preScores) {
      const s = guard(p, () => p.preScore(state, pod, nodes));
      if (s.code === 'Skip') (skipped ??= new Set()).add(p.name);
      else if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    const totals = new Array<number>(nodes.length).fill(0);
    const scores = this.scoreArray(nodes);
    for (const { plugin, weight } of this.scores) {
      if (skipped?.has(plugin.name)) continue;
      try {
        for (let i = 0; i < nodes.length; i++) scores[i].score = plugin.score(state, pod, nodes[i]);
        plugin.normalizeScores?.(state, pod, scores);
      } catch (err) {
        return Status.error(err).withPlugin(plugin.name);
      }
      for (let i = 0; i < nodes.length; i++) {
        const s = scores[i].score;
        if (!(s >= 0 && s <= MAX_NODE_SCORE)) return Status.error(`plugin ${plugin.name} scored node ${nodes[i].name} ${s}, outside 0..${MAX_NODE_SCORE}`);
        totals[i] += s * weight;
      }
    }
    return totals;
  }

  private readonly nodeScores: NodeScore[] = [];

  /**
   * One NodeScore per node, reused by every plugin and every cycle (runScore
   * is synchronous): each score is written before the plugin's normalizeScores reads it.
   */
  private scoreArray(nodes: readonly NodeInfo[]): NodeScore[] {
    const scores = this.nodeScores;
    while (scores.length < nodes.length) scores.push({ name: '', score: 0 });
    scores.length = nodes.length;
    for (let i = 0; i < nodes.length; i++) scores[i].name = nodes[i].name;
    return scores;
  }

  /** Reserves in order; on a failure undoes every reserve plugin (unreserve is idempotent). */
  runReserve(state: CycleState, pod: Pod, nodeName: string): Status {
    for (const p of this.reserves) {
      const s = guard(p, () => p.reserve(state, pod, nodeName));
      if (!s.isSuccess()) {
        this.runUnreserve(state, pod, nodeName);
        return s.withPlugin(p.name);
      }
    }
    return Status.SUCCESS;
  }

  runUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (const p of [...this.reserves].reverse()) {
      try {
        p.unreserve(state, pod, nodeName);
      } catch {
        /* unreserve must not stop the others */
      }
    }
  }

  async runBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    for (const p of this.binders) {
      let s: Status;
      try {
        s = await p.bind(state, pod, nodeName);
      } catch (err) {
        return Status.error(err).withPlugin(p.name);
      }
      if (s.code !== 'Skip') return s.withPlugin(p.name);
    }
    return Status.error('no bind plugin handled the pod');
  }
}

function guard(p: Plugin, run: () => Status): Status {
  try {
    return run();
  } catch (err) {
    return Status.error(err).withPlugin(p.name);
  }
}
