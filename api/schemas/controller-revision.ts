// apps/v1 ControllerRevision: an immutable snapshot of a DaemonSet's (or
// StatefulSet's) template, the `data` being the strategic merge patch that
// restores it, numbered by `revision` — what `rollout history|undo` read.

import { JsonSchema, APPS, int64, kind } from './builders';

export const CONTROLLER_REVISION_DEFINITIONS: Record<string, JsonSchema> = {
  // data is a RawExtension: any JSON object.
  [`${APPS}ControllerRevision`]: kind('apps', 'v1', 'ControllerRevision', { data: { type: 'object' }, revision: int64() }, ['revision']),
};
