// Objects as the multi-document YAML `kapstan convert` prints and `kctl apply -f` reads.
import YAML from 'yaml';
import type { KubeObject } from '../../../api/types';

export function toYaml(objects: readonly KubeObject[]): string {
  return objects.map((o) => YAML.stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
