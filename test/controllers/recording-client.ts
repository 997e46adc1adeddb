// A real RestClient that also records every write it sends, so unit tests can
// assert exactly which API calls a reconcile made (reads are not recorded).
import type { Status } from '../../api/errors';
import type { ResourceInfo } from '../../api/resources';
import type { DeleteOptions, KubeObject } from '../../api/types';
import { RestClient, WriteOptions } from '../../client/rest-client';

export interface RecordedCall {
  verb: 'create' | 'update' | 'patch' | 'delete';
  /** `plural` or `plural/subresource`. */
  resource: string;
  namespace?: string;
  name?: string;
  body?: KubeObject;
  options?: DeleteOptions;
}

export class RecordingClient extends RestClient {
  calls: RecordedCall[] = [];
  /** Events are recorded apart: they are reports, not the reconcile's work. */
  events: KubeObject[] = [];

  /** The calls so far as `verb resource name` lines, then forgets them. */
  take(): RecordedCall[] {
    return this.calls.splice(0);
  }

  override create<T extends KubeObject = KubeObject>(r: ResourceInfo, ns: string | undefined, obj: unknown, opts?: WriteOptions): Promise<T> {
    const body = obj as KubeObject;
    if (r.plural === 'events') {
      this.events.push(structuredClone(body));
      return super.create<T>(r, ns, obj, opts);
    }
    this.calls.push({ verb: 'create', resource: r.plural, namespace: ns, name: body.metadata?.name ?? body.metadata?.generateName, body: structuredClone(body) });
    return super.create<T>(r, ns, obj, opts);
  }

  override update<T extends KubeObject = KubeObject>(r: ResourceInfo, ns: string | undefined, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    const resource = opts.subresource ? `${r.plural}/${opts.subresource}` : r.plural;
    this.calls.push({ verb: 'update', resource, namespace: ns, name: obj.metadata.name, body: structuredClone(obj) });
    return super.update<T>(r, ns, obj, opts);
  }

  override patch<T extends KubeObject = KubeObject>(r: ResourceInfo, ns: string | undefined, name: string, patch: unknown, ct: string, opts: WriteOptions = {}): Promise<T> {
    // A repeated event becomes a count patch of the first (event correlation): still a report.
    if (r.plural === 'events') return super.patch<T>(r, ns, name, patch, ct, opts);
    this.calls.push({ verb: 'patch', resource: r.plural, namespace: ns, name, body: structuredClone(patch) as KubeObject });
    return super.patch<T>(r, ns, name, patch, ct, opts);
  }

  override delete(r: ResourceInfo, ns: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject | Status> {
    this.calls.push({ verb: 'delete', resource: r.plural, namespace: ns, name, options: structuredClone(opts) });
    return super.delete(r, ns, name, opts);
  }
}

/** `create pods web-`, `update replicasets/status web`: calls in a form easy to compare. */
export function summary(calls: RecordedCall[]): string[] {
  return calls.map((c) => `${c.verb} ${c.resource} ${c.name ?? ''}`.trim());
}
