// Runs plugins and whole profiles on in-memory nodes and pods, for unit tests.
import type { Node, Pod } from '../../scheduler/api-types';
import { SchedulerCache } from '../../scheduler/cache';
import type { ProfileConfig } from '../../scheduler/framework/config';
import { CycleState } from '../../scheduler/framework/cycle-state';
import { Framework } from '../../scheduler/framework/framework';
import type { FilterPlugin, FrameworkHandle, PreFilterPlugin, PreScorePlugin, ScorePlugin, NodeScore } from '../../scheduler/framework/interface';
import type { Status } from '../../scheduler/framework/status';
import { findPlacement } from '../../scheduler/find-placement';
import { inTreeRegistry } from '../../scheduler/plugins/registry';

export class Cluster {
  readonly cache = new SchedulerCache();

  constructor(nodes: Node[] = [], pods: Pod[] = []) {
    for (const n of nodes) this.cache.addOrUpdateNode(n);
    for (const p of pods) this.cache.addOrUpdatePod(p);
  }

  get handle(): FrameworkHandle {
    return this.cache.handle();
  }

  node(name: string) {
    const n = this.cache.getNode(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** PreFilter (when the plugin has one) then Filter on one node. */
  filter(plugin: FilterPlugin & Partial<PreFilterPlugin>, pod: Pod, nodeName: string): Status {
    const state = new CycleState();
    const pre = plugin.preFilter?.(state, pod);
    if (pre && pre.code === 'Skip') return pre;
    if (pre && !pre.isSuccess()) return pre;
    return plugin.filter(state, pod, this.node(nodeName));
  }

  /** Every node's score after PreScore and normalization, by node name. */
  scores(plugin: ScorePlugin & Partial<PreFilterPlugin> & Partial<PreScorePlugin>, pod: Pod): Record<string, number> {
    const state = new CycleState();
    plugin.preFilter?.(state, pod);
    const nodes = this.cache.nodes();
    plugin.preScore?.(state, pod, nodes);
    const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: plugin.score(state, pod, n) }));
    plugin.normalizeScores?.(state, pod, scores);
    return Object.fromEntries(scores.map((s) => [s.name, s.score]));
  }

  /** The default profile's decision for `pod`. */
  place(pod: Pod, profile: ProfileConfig = {}) {
    const fw = new Framework(profile, inTreeRegistry(), this.handle);
    return findPlacement(fw, new CycleState(), pod, this.cache.nodes(), { percentageOfNodesToScore: 100 });
  }
}
