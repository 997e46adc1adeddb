// `GET /openapi/v2`: the Swagger 2.0 document as JSON, or, when asked for it,
// as the gnostic `openapi.v2.Document` protobuf that kubectl before 1.30
// downloads (and cannot do without) for `create -f` and `apply`. The encoder
// below writes just the messages that document uses, by field number from
// gnostic-models `openapiv2/OpenAPIv2.proto`; vendor extensions and enum
// values travel as YAML text in `openapi.v2.Any`, as Kubernetes sends them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import YAML from 'yaml';
import type { JsonSchema } from '../../api/schemas';
import {
  openapiV2Document,
  PATH_ITEM_METHODS,
  type SwaggerDocument,
  type SwaggerOperation,
  type SwaggerParameter,
  type SwaggerPathItem,
  type SwaggerResponse,
} from '../../api/openapi-v2';
import { sendJson } from './respond';

// What the answer is labelled with. Clients ask for the older spelling with
// '@v1.0', but '@' is not a MIME token character: Go's mime.ParseMediaType,
// which client-go runs on every response, rejects it, so Kubernetes too
// answers with the dotted form.
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const PROTOBUF_ALIASES = new Set([OPENAPI_V2_PROTOBUF, 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf']);

export function serveOpenApiV2(req: IncomingMessage, res: ServerResponse): void {
  if (!prefersProtobuf(req.headers.accept)) return sendJson(res, 200, openapiV2Document());
  const body = openapiV2Protobuf();
  res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF, 'Content-Length': body.length });
  res.end(body);
}

/** True when the Accept header ranks the protobuf document above JSON (JSON is the default). */
export function prefersProtobuf(accept: string | undefined): boolean {
  const ranked = (accept ?? '')
    .split(',')
    .map((range, order) => {
      const [type, ...params] = range.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type, q: q ? Number(q.slice(2)) : 1, order };
    })
    .filter((r) => r.type && r.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { type } of ranked) {
    if (PROTOBUF_ALIASES.has(type)) return true;
    if (type === 'application/json' || type === 'application/*' || type === '*/*') return false;
  }
  return false;
}

let encoded: Buffer | undefined;

/** The document as `openapi.v2.Document` bytes (encoded once). */
export function openapiV2Protobuf(): Buffer {
  encoded ??= encodeDocument(openapiV2Document());
  return encoded;
}

// ---------------------------------------------------------------------------
// Protobuf wire format: varints, 64-bit doubles and length-delimited fields.

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;

class ProtoWriter {
  private readonly chunks: Buffer[] = [];
  private pending: number[] = [];

  private flush(): void {
    if (this.pending.length) this.chunks.push(Buffer.from(this.pending));
    this.pending = [];
  }

  private varint(value: number | bigint): void {
    // Negative int64s are ten bytes of two's complement.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.pending.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.pending.push(Number(v));
  }

  private tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  private bytes(field: number, data: Buffer): void {
    this.tag(field, LENGTH_DELIMITED);
    this.varint(data.length);
    this.flush();
    this.chunks.push(data);
  }

  /** proto3 leaves out empty strings, false and zero. */
  string(field: number, value: string | undefined): this {
    if (value) this.bytes(field, Buffer.from(value, 'utf8'));
    return this;
  }

  strings(field: number, values: readonly string[] | undefined): this {
    for (const v of values ?? []) this.bytes(field, Buffer.from(v, 'utf8'));
    return this;
  }

  bool(field: number, value: boolean | undefined): this {
    if (value) {
      this.tag(field, VARINT);
      this.varint(1);
    }
    return this;
  }

  int64(field: number, value: number | undefined): this {
    if (value) {
      this.tag(field, VARINT);
      this.varint(Math.trunc(value));
    }
    return this;
  }

  double(field: number, value: number | undefined): this {
    if (value) {
      this.tag(field, FIXED64);
      const b = Buffer.alloc(8);
      b.writeDoubleLE(value);
      this.pending.push(...b);
    }
    return this;
  }

  /** A sub-message; written even when empty, since its presence can matter (`properties: {}`). */
  message(field: number, value: ProtoWriter | undefined): this {
    if (value) this.bytes(field, value.finish());
    return this;
  }

  messages(field: number, values: readonly ProtoWriter[]): this {
    for (const v of values) this.message(field, v);
    return this;
  }

  finish(): Buffer {
    this.flush();
    return Buffer.concat(this.chunks);
  }
}

const w = (): ProtoWriter => new ProtoWriter();

// ---------------------------------------------------------------------------
// openapi.v2 messages. Field numbers are from OpenAPIv2.proto.

function encodeDocument(doc: SwaggerDocument): Buffer {
  const paths = w().messages(
    2, // Paths.path: NamedPathItem
    Object.entries(doc.paths).map(([name, item]) => w().string(1, name).message(2, pathItem(item))),
  );
  const definitions = w().messages(
    1, // Definitions.additional_properties: NamedSchema
    Object.entries(doc.definitions).map(([name, s]) => w().string(1, name).message(2, schema(s))),
  );
  return w()
    .string(1, doc.swagger)
    .message(2, w().string(1, doc.info.title).string(2, doc.info.version))
    .message(8, paths)
    .message(9, definitions)
    .finish();
}

/** PathItem: get 2, put 3, post 4, delete 5, options 6, head 7, patch 8, parameters 9. */
function pathItem(item: SwaggerPathItem): ProtoWriter {
  const out = w();
  PATH_ITEM_METHODS.forEach((method, i) => {
    const op = item[method];
    if (op) out.message(2 + i, operation(op));
  });
  return out.messages(9, (item.parameters ?? []).map(parametersItem));
}

function operation(op: SwaggerOperation): ProtoWriter {
  return w()
    .strings(1, op.tags)
    .string(3, op.description)
    .string(5, op.operationId)
    .strings(6, op.produces)
    .strings(7, op.consumes)
    .messages(8, (op.parameters ?? []).map(parametersItem))
    .message(9, responses(op.responses))
    .strings(10, op.schemes)
    .messages(13, vendorExtensions(op));
}

/** ParametersItem.parameter → Parameter: body_parameter 1 | non_body_parameter 2. */
function parametersItem(p: SwaggerParameter): ProtoWriter {
  let parameter: ProtoWriter;
  if (p.in === 'body') {
    const body = w().string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required);
    if (p.schema) body.message(5, schema(p.schema));
    parameter = w().message(1, body);
  } else {
    // NonBodyParameter: query_parameter_sub_schema 3 | path_parameter_sub_schema 4.
    // Both start required 1, in 2, description 3, name 4; then the query one
    // has allow_empty_value 5, so type, format and unique_items sit one later.
    const shift = p.in === 'query' ? 1 : 0;
    const sub = w()
      .bool(1, p.required)
      .string(2, p.in)
      .string(3, p.description)
      .string(4, p.name)
      .string(5 + shift, p.type)
      .bool(19 + shift, p.uniqueItems);
    parameter = w().message(2, w().message(p.in === 'query' ? 3 : 4, sub));
  }
  return w().message(1, parameter);
}

/** Responses.response_code: NamedResponseValue → ResponseValue.response → Response. */
function responses(all: Record<string, SwaggerResponse>): ProtoWriter {
  return w().messages(
    1,
    Object.entries(all).map(([code, r]) => {
      const response = w().string(1, r.description);
      if (r.schema) response.message(2, w().message(1, schema(r.schema))); // SchemaItem.schema
      return w().string(1, code).message(2, w().message(1, response));
    }),
  );
}

/** openapi.v2.Any with its `yaml` field (2). YAML 1.1, as Go's yaml.v2 reads it. */
function yamlAny(value: unknown): ProtoWriter {
  return w().string(2, YAML.stringify(value, { version: '1.1' }));
}

/** NamedAny entries for the `x-` keys of an object. */
function vendorExtensions(obj: object): ProtoWriter[] {
  return Object.entries(obj)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, value]) => w().string(1, name).message(2, yamlAny(value)));
}

type SchemaField = (out: ProtoWriter, value: unknown) => void;

const str = (field: number): SchemaField => (out, v) => out.string(field, v as string);
const num = (field: number): SchemaField => (out, v) => out.double(field, v as number);
const int = (field: number): SchemaField => (out, v) => out.int64(field, v as number);
const flag = (field: number): SchemaField => (out, v) => out.bool(field, v as boolean);

/** Schema keywords by their field in `openapi.v2.Schema`; `x-` keys go to vendor_extension (31). */
const SCHEMA_FIELDS: Record<string, SchemaField> = {
  $ref: str(1),
  format: str(2),
  title: str(3),
  description: str(4),
  default: (out, v) => out.message(5, yamlAny(v)),
  multipleOf: num(6),
  maximum: num(7),
  exclusiveMaximum: flag(8),
  minimum: num(9),
  exclusiveMinimum: flag(10),
  maxLength: int(11),
  minLength: int(12),
  pattern: str(13),
  maxItems: int(14),
  minItems: int(15),
  uniqueItems: flag(16),
  maxProperties: int(17),
  minProperties: int(18),
  required: (out, v) => out.strings(19, v as string[]),
  enum: (out, v) => out.messages(20, (v as unknown[]).map(yamlAny)),
  // AdditionalPropertiesItem: schema 1 | boolean 2.
  additionalProperties: (out, v) =>
    out.message(21, typeof v === 'boolean' ? w().bool(2, v) : w().message(1, schema(v as JsonSchema))),
  type: (out, v) => out.message(22, w().strings(1, Array.isArray(v) ? v : [v as string])), // TypeItem
  items: (out, v) => out.message(23, w().messages(1, (Array.isArray(v) ? v : [v]).map(schema))), // ItemsItem
  allOf: (out, v) => out.messages(24, (v as JsonSchema[]).map(schema)),
  properties: (out, v) =>
    out.message(
      25, // Properties.additional_properties: NamedSchema
      w().messages(1, Object.entries(v as Record<string, JsonSchema>).map(([name, s]) => w().string(1, name).message(2, schema(s)))),
    ),
  discriminator: str(26),
  readOnly: flag(27),
  example: (out, v) => out.message(30, yamlAny(v)),
};

function schema(s: JsonSchema): ProtoWriter {
  const out = w();
  // Written in field order, as protobuf encoders do.
  const known = Object.keys(SCHEMA_FIELDS);
  for (const key of known) if (s[key] !== undefined) SCHEMA_FIELDS[key](out, s[key]);
  for (const key of Object.keys(s)) {
    if (!(key in SCHEMA_FIELDS) && !key.startsWith('x-')) throw new Error(`openapi v2: schema keyword ${key} has no protobuf field`);
  }
  return out.messages(31, vendorExtensions(s));
}
