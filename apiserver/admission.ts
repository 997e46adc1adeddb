// Built-in admission: Kubernetes defaulting, then schema and semantic validation.
import { applyDefaults } from '../api/defaults';
import { validateObject, unknownFields } from '../api/validation';
import type { Admission } from './registry/strategy';

export const builtinAdmission: Admission = {
  default: (obj) => applyDefaults(obj),
  validate: (obj) => validateObject(obj),
  unknownFields: (obj) => unknownFields(obj),
};
