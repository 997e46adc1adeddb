// Matching pods against pod (anti-)affinity terms and topology-spread
// selectors: label selectors parsed once per term, namespaces as Kubernetes
// defaults them (the term's list, else the pod's own namespace).
import { labelSelectorToSelector, matches, Selector } from '../../api/labels';
import type { LabelSelector } from '../../api/labels';
import type { Node, Pod, PodAffinityTerm } from '../api-types';

const parsed = new WeakMap<object, Selector | null>();

/** A parsed LabelSelector, memoized by object identity (cached objects are never mutated). */
export function selectorOf(ls: LabelSelector | undefined): Selector | null {
  if (!ls) return null;
  let s = parsed.get(ls);
  if (s === undefined) {
    try {
      s = labelSelectorToSelector(ls);
    } catch {
      s = null; // an invalid selector matches nothing
    }
    parsed.set(ls, s);
  }
  return s;
}

/**
 * Whether `candidate` is selected by `term` written in `owner`'s spec. A
 * namespaceSelector of `{}` selects every namespace; other namespace
 * selectors need namespace labels, which this scheduler does not watch, so
 * they add nothing beyond `namespaces`.
 */
export function termMatchesPod(term: PodAffinityTerm, owner: Pod, candidate: Pod): boolean {
  const ns = candidate.metadata.namespace ?? '';
  const allNamespaces = term.namespaceSelector !== undefined && Object.keys(term.namespaceSelector).length === 0;
  if (!allNamespaces) {
    const namespaces = term.namespaces?.length ? term.namespaces : term.namespaceSelector ? [] : [owner.metadata.namespace ?? ''];
    if (!namespaces.includes(ns)) return false;
  }
  return matches(selectorOf(term.labelSelector), candidate.metadata.labels);
}

export function topologyValue(node: Node | undefined, key: string): string | undefined {
  const labels = node?.metadata.labels;
  return labels && Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
}

export function isTerminating(pod: Pod): boolean {
  return !!pod.metadata.deletionTimestamp;
}
