// The special keys of a strategic merge patch, shared by apply and diff.

/** `$patch: delete | replace | merge` on a map or on an element of a merged list. */
export const PATCH_DIRECTIVE = '$patch';
/** `$retainKeys: [...]`: fields of the map to keep; every other field is cleared. */
export const RETAIN_KEYS = '$retainKeys';
/** `$setElementOrder/<list>: [...]`: the order of the merged list's elements (by merge key or value). */
export const SET_ELEMENT_ORDER = '$setElementOrder';
/** `$deleteFromPrimitiveList/<list>: [...]`: scalars to remove from a merged list of scalars. */
export const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
