// Packing a Service's endpoints into EndpointSlices, as Kubernetes' slice
// reconciler does: endpoints are grouped by address type and resolved port
// set (one slice never mixes either); existing slices keep the endpoints they
// already hold, new endpoints go first into slices that change anyway, then
// into the existing slice with most room, then into new slices of at most
// `maxPerSlice`; an emptied slice is reused for a new one or deleted. Pure:
// the controller turns the plan into API calls and writes only what changed.

export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: { kind: string; namespace: string; name: string; uid: string };
}

/** What the controller needs of an existing slice. */
export interface ExistingSlice {
  name: string;
  addressType: string;
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
}

/** Endpoints that share an address type and a port set. */
export interface EndpointGroup {
  addressType: string;
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
}

export interface SliceContent {
  addressType: string;
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
}

export interface SlicePlan {
  create: SliceContent[];
  /** Existing slices whose content changes (by name), reusing emptied slices where possible. */
  update: Array<{ name: string; content: SliceContent }>;
  delete: string[];
  /** Existing slices that stay as they are. */
  unchanged: string[];
}

export const MAX_ENDPOINTS_PER_SLICE = 100;

/** Identity of an endpoint across passes: its pod, else its first address. */
export function endpointKey(e: SliceEndpoint): string {
  return e.targetRef?.uid ?? e.addresses[0] ?? '';
}

const groupKey = (addressType: string, ports: SlicePort[]) => `${addressType}|${JSON.stringify(ports.map(canonicalPort))}`;

function canonicalPort(p: SlicePort): SlicePort {
  return { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) };
}

/** Endpoints in a stable order (by address, digits numerically), so equal content compares equal. */
export function sortEndpoints(endpoints: SliceEndpoint[]): SliceEndpoint[] {
  const order = (e: SliceEndpoint) => `${e.addresses[0] ?? ''} ${endpointKey(e)}`;
  return [...endpoints].sort((a, b) => order(a).localeCompare(order(b), 'en', { numeric: true }));
}

export function sameEndpoints(a: SliceEndpoint[], b: SliceEndpoint[]): boolean {
  return JSON.stringify(sortEndpoints(a).map(canonicalEndpoint)) === JSON.stringify(sortEndpoints(b).map(canonicalEndpoint));
}

function canonicalEndpoint(e: SliceEndpoint): SliceEndpoint {
  const out: SliceEndpoint = {
    addresses: e.addresses,
    conditions: { ready: e.conditions?.ready ?? false, serving: e.conditions?.serving ?? false, terminating: e.conditions?.terminating ?? false },
  };
  if (e.hostname) out.hostname = e.hostname;
  if (e.nodeName) out.nodeName = e.nodeName;
  if (e.zone) out.zone = e.zone;
  if (e.targetRef) out.targetRef = { kind: e.targetRef.kind, namespace: e.targetRef.namespace, name: e.targetRef.name, uid: e.targetRef.uid };
  return out;
}

/**
 * The writes that turn `existing` into slices holding exactly `desired`.
 * With nothing desired, one empty placeholder slice of `placeholderType` is kept,
 * as Kubernetes does, so that the Service visibly has no endpoints.
 */
export function planSlices(existing: ExistingSlice[], desired: EndpointGroup[], placeholderType = 'IPv4', maxPerSlice = MAX_ENDPOINTS_PER_SLICE): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [], unchanged: [] };
  const byGroup = new Map<string, ExistingSlice[]>();
  for (const s of existing) {
    const k = groupKey(s.addressType, s.ports ?? []);
    byGroup.set(k, [...(byGroup.get(k) ?? []), s]);
  }
  const emptied: ExistingSlice[] = [];
  for (const group of desired) {
    if (group.endpoints.length === 0) continue;
    const k = groupKey(group.addressType, group.ports);
    const slices = byGroup.get(k) ?? [];
    byGroup.delete(k);
    packGroup(group, slices, maxPerSlice, plan, emptied);
  }
  // Slices of groups no longer desired (ports or address type changed, no endpoints left).
  for (const slices of byGroup.values()) emptied.push(...slices);

  const anyDesired = desired.some((g) => g.endpoints.length > 0);
  if (!anyDesired) {
    const placeholder = emptied.find((s) => s.addressType === placeholderType && (s.ports ?? []).length === 0 && (s.endpoints ?? []).length === 0);
    if (placeholder) {
      plan.unchanged.push(placeholder.name);
      emptied.splice(emptied.indexOf(placeholder), 1);
    } else {
      plan.create.push({ addressType: placeholderType, ports: [], endpoints: [] });
    }
  }
  // An emptied slice takes a new slice's content (same address type) rather than delete + create.
  for (const s of emptied) {
    const i = plan.create.findIndex((c) => c.addressType === s.addressType);
    if (i >= 0) plan.update.push({ name: s.name, content: plan.create.splice(i, 1)[0] });
    else plan.delete.push(s.name);
  }
  return plan;
}

function packGroup(group: EndpointGroup, slices: ExistingSlice[], max: number, plan: SlicePlan, emptied: ExistingSlice[]): void {
  const wanted = new Map(group.endpoints.map((e) => [endpointKey(e), e]));
  const placed = new Set<string>();
  interface Working {
    slice: ExistingSlice;
    endpoints: SliceEndpoint[];
    changed: boolean;
  }
  const working: Working[] = [];
  // 1. Each existing slice keeps the endpoints still wanted (in their current form).
  for (const slice of slices) {
    const kept: SliceEndpoint[] = [];
    for (const e of slice.endpoints ?? []) {
      const k = endpointKey(e);
      const next = wanted.get(k);
      if (!next || placed.has(k) || kept.length >= max) continue;
      kept.push(next);
      placed.add(k);
    }
    if (kept.length === 0) {
      emptied.push(slice);
      continue;
    }
    working.push({ slice, endpoints: kept, changed: !sameEndpoints(kept, slice.endpoints ?? []) });
  }
  const rest = group.endpoints.filter((e) => !placed.has(endpointKey(e)));
  // 2. New endpoints fill slices that are written anyway, then the one with most room.
  const fill = (w: Working) => {
    while (rest.length > 0 && w.endpoints.length < max) {
      w.endpoints.push(rest.shift()!);
      w.changed = true;
    }
  };
  for (const w of working) if (w.changed) fill(w);
  if (rest.length > 0) {
    const roomiest = working.filter((w) => !w.changed).sort((a, b) => a.endpoints.length - b.endpoints.length)[0];
    // Only if it takes all that is left: otherwise new slices are written anyway.
    if (roomiest && max - roomiest.endpoints.length >= rest.length) fill(roomiest);
  }
  for (const w of working) {
    if (w.changed) plan.update.push({ name: w.slice.name, content: { addressType: group.addressType, ports: group.ports, endpoints: sortEndpoints(w.endpoints) } });
    else plan.unchanged.push(w.slice.name);
  }
  // 3. What is left goes into new slices.
  for (let i = 0; i < rest.length; i += max) {
    plan.create.push({ addressType: group.addressType, ports: group.ports, endpoints: sortEndpoints(rest.slice(i, i + max)) });
  }
}
