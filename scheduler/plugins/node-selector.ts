// Node selector terms (core/v1 NodeSelectorTerm) matched against a node: the
// terms of a NodeSelector are ORed, the requirements of a term ANDed, and an
// empty term matches nothing. matchFields supports metadata.name only, as in Kubernetes.
import type { Node, NodeSelectorRequirement, NodeSelectorTerm } from '../api-types';

function asInteger(s: string | undefined): number | undefined {
  return s !== undefined && /^-?\d+$/.test(s) ? Number(s) : undefined;
}

export function requirementMatches(req: NodeSelectorRequirement, labels: Record<string, string>): boolean {
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
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  if (!exprs.every((r) => requirementMatches(r, labels))) return false;
  const fieldSet = { 'metadata.name': node.metadata.name ?? '' };
  return fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, fieldSet));
}

export function anyTermMatches(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  return terms.some((t) => termMatches(t, node));
}
