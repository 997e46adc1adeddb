// Field ownership (metadata.managedFields) and server-side apply.
export { applyConfiguration, applyConflict, managedFieldsAfterUpdate, ownedView } from './updater';
export type { ApplyResult, FieldConflict, WriteContext } from './updater';
export type { ManagedFieldsEntry } from './managers';
export { fieldSetOf, modifiedFields } from './walk';
export { mergeConfig, removeFields } from './merge';
export * from './field-set';
