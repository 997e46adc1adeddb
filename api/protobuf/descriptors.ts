// Message descriptors: for each field number, its JSON name, its type and how
// Go's encoding/json would render it. The tables in messages/ are written with
// the helpers below; decode-message.ts walks them.

/** Protobuf scalar types used by Kubernetes' generated.proto files. */
export const SCALAR_TYPES = ['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float'] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];

/**
 * apimachinery types whose JSON form differs from their message form:
 * Time/MicroTime {seconds=1,nanos=2} → RFC3339 string; Quantity {string=1} →
 * string; IntOrString {type=1,intVal=2,strVal=3} → number or string;
 * RawExtension and FieldsV1 {raw=1} → the embedded JSON.
 */
export const WELL_KNOWN_TYPES = ['Time', 'MicroTime', 'Quantity', 'IntOrString', 'RawExtension', 'FieldsV1'] as const;
export type WellKnownType = (typeof WELL_KNOWN_TYPES)[number];

export type FieldShape =
  /** One value; a later occurrence on the wire replaces an earlier one. */
  | 'single'
  /** `repeated`: a JSON array (scalars may be packed). */
  | 'list'
  /** `map<string, T>`: a JSON object. */
  | 'map'
  /** A Go embedded struct (`json:",inline"`): its fields land in the parent object. */
  | 'inline';

export interface FieldSpec {
  readonly json: string;
  /** A scalar type, a well-known type, or the name of another message in the table. */
  readonly type: string;
  readonly shape: FieldShape;
  /**
   * Scalars equal to their zero value are left out of the JSON, as Go's
   * `omitempty` does, because Kubernetes' encoder writes every non-pointer
   * field. Pointer fields and fields without omitempty keep a zero value.
   */
  readonly keepZero: boolean;
}

export type MessageSpec = Readonly<Record<number, FieldSpec>>;
export type MessageTable = Readonly<Record<string, MessageSpec>>;

/** Option for `field`: emit the value even when it is zero ("", 0, false). */
export const KEEP_ZERO = { keepZero: true } as const;

export function field(json: string, type: string, opts: { keepZero?: boolean } = {}): FieldSpec {
  return { json, type, shape: 'single', keepZero: opts.keepZero ?? false };
}

export function list(json: string, type: string): FieldSpec {
  return { json, type, shape: 'list', keepZero: false };
}

/** Kubernetes maps always have string keys. */
export function map(json: string, valueType: string): FieldSpec {
  return { json, type: valueType, shape: 'map', keepZero: false };
}

export function inline(type: string): FieldSpec {
  return { json: '', type, shape: 'inline', keepZero: false };
}

export function isScalarType(type: string): type is ScalarType {
  return (SCALAR_TYPES as readonly string[]).includes(type);
}

export function isWellKnownType(type: string): type is WellKnownType {
  return (WELL_KNOWN_TYPES as readonly string[]).includes(type);
}
