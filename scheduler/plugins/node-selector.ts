// Node selector terms (core/v1 NodeSelectorTerm) matched against a node: the
// terms of a NodeSelector are ORed, the requirements of a term ANDed, and an
// empty term matches nothing. matchFields supports metadata.name only, as in Kubernetes.
import type { Node, NodeSelectorRequirement, NodeSelectorTerm } from '../api-types';

function asInteger(s: string | undefined): number | undefined {
  return s !== undefined && /^-?\d+$/.test(s) ? Number(s) : undefined;
}

export function requirementMatches(req: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(value);
    case 'NotIn':
      return !has || !values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1) return false;
      const lv = asInteger(value);
      const rv = asInteger(values[0]);
      if (lv === undefined || rv === undefined) return false;
      return req.operator === 'Gt' ? lv > rv : lv < rv;
    }
    default:
      return false;
  }
}

export function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  return termMatchesLabels(term, node.metadata.labels ?? {}, node.metadata.name ?? '');
}

export function anyTermMatches(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  return anyTermMatchesLabels(terms, node.metadata.labels ?? {}, node.metadata.name ?? '');
}

// The label forms run for every node a pod is filtered against (NodeInfo keeps
// the labels at hand): plain loops, no closures.
function termMatchesLabels(term: NodeSelectorTerm, labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  const exprs = term.matchExpressions;
  const fields = term.matchFields;
  const numExprs = exprs?.length ?? 0;
  const numFields = fields?.length ?? 0;
  if (numExprs === 0 && numFields === 0) return false;
  for (let i = 0; i < numExprs; i++) if (!requirementMatches(exprs![i], labels)) return false;
  if (numFields === 0) return true;
  const fieldSet = { 'metadata.name': nodeName };
  for (let i = 0; i < numFields; i++) if (fields![i].key !== 'metadata.name' || !requirementMatches(fields![i], fieldSet)) return false;
  return true;
}

/** Whether a node with these labels and name matches any of the terms. */
export function anyTermMatchesLabels(terms: readonly NodeSelectorTerm[], labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  for (let i = 0; i < terms.length; i++) if (termMatchesLabels(terms[i], labels, nodeName)) return true;
  return false;
}
