// The agent's view of Services and Endpoints, fed by the WatchServices stream:
// each stream's list is staged and replaces the view at SYNC (so objects that
// vanished while disconnected are dropped), later events apply one by one.
import type { EndpointsObject, ServiceObject } from './service-rules';

export interface ServiceWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNC';
  /** 'Service' or 'Endpoints' (absent for SYNC). */
  kind?: string;
  object?: ServiceObject | EndpointsObject;
}

type Maps = { services: Map<string, ServiceObject>; endpoints: Map<string, EndpointsObject> };

const emptyMaps = (): Maps => ({ services: new Map(), endpoints: new Map() });
const keyOf = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export class ServiceState {
  private live?: Maps;
  private staged: Maps = emptyMaps();
  private listing = true;

  /** A new stream begins: its list is staged until its SYNC. */
  restart(): void {
    this.staged = emptyMaps();
    this.listing = true;
  }

  /** Applies one event; true when the synced view changed. */
  apply(ev: ServiceWatchEvent): boolean {
    if (ev.type === 'SYNC') {
      this.live = this.staged;
      this.staged = emptyMaps();
      this.listing = false;
      return true;
    }
    const maps = this.listing || !this.live ? this.staged : this.live;
    const target = ev.kind === 'Service' ? maps.services : ev.kind === 'Endpoints' ? maps.endpoints : undefined;
    if (!target || !ev.object) return false;
    if (ev.type === 'DELETED') target.delete(keyOf(ev.object));
    else (target as Map<string, unknown>).set(keyOf(ev.object), ev.object);
    return !this.listing;
  }

  get synced(): boolean {
    return this.live !== undefined;
  }

  services(): ServiceObject[] {
    return [...(this.live?.services.values() ?? [])];
  }

  endpoints(): EndpointsObject[] {
    return [...(this.live?.endpoints.values() ?? [])];
  }
}
