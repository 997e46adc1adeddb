// Validation of objects as the apiserver does it before storing them: JSON
// Schema (types, enums, required fields, ranges) through ajv, then the rules a
// schema cannot say (names, labels, selectors, duplicates, cross-field rules).
// Every wrong field is reported at once, with Kubernetes field paths and reasons.

import { isIPv4, isIPv6 } from 'node:net';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { StatusCause } from './errors';
import { findByKind, type ResourceInfo } from './resources';
import { DEFINITIONS, definitionNameFor, fieldPath, resolveSchema, type JsonSchema } from './schemas';
import { VENDOR_KEYWORDS, DEFINITIONS_PREFIX } from './schemas/builders';
import {
  labelSelectorToSelector, matches, validateDns1035Label, validateDns1123Label, validateDns1123Subdomain,
  validateLabelKey, validateLabelValue, validateQualifiedName, type LabelSelector,
} from './labels';
import { compareQuantities, tryParseQuantity, quantityErrorMessage } from './quantity';
import { isPercent } from './int-or-string';

export type CauseReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueTypeInvalid'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueForbidden'
  | 'FieldValueNotFound';

// ---------------------------------------------------------------------------
// ajv, compiled once per kind.

const SCHEMA_ID = 'kapstan';

const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strictRequired: false, strictTypes: false });
addFormats(ajv, ['date-time', 'byte', 'int32', 'int64']);
ajv.addVocabulary(VENDOR_KEYWORDS);
ajv.addSchema({ $id: SCHEMA_ID, definitions: DEFINITIONS });

const compiled = new Map<string, ValidateFunction>();

function validatorFor(definition: string): ValidateFunction {
  let v = compiled.get(definition);
  if (!v) {
    v = ajv.compile({ $ref: `${SCHEMA_ID}${DEFINITIONS_PREFIX}${definition}` });
    compiled.set(definition, v);
  }
  return v;
}

// ---------------------------------------------------------------------------
// Causes, worded as k8s.io/apimachinery/pkg/util/validation/field words them.

/** How Kubernetes prints a bad value in a message: strings quoted, numbers bare. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'null';
  return JSON.stringify(v);
}

class Causes {
  readonly list: StatusCause[] = [];

  private add(reason: CauseReason, field: string, message: string): void {
    if (!this.list.some((c) => c.field === field && c.reason === reason && c.message === message)) {
      this.list.push({ reason, field, message });
    }
  }

  has(field: string): boolean {
    return this.list.some((c) => c.field === field || c.field?.startsWith(`${field}.`) || c.field?.startsWith(`${field}[`));
  }

  required(field: string, detail?: string): void {
    this.add('FieldValueRequired', field, detail ? `Required value: ${detail}` : 'Required value');
  }

  invalid(field: string, value: unknown, detail: string): void {
    this.add('FieldValueInvalid', field, `Invalid value: ${showValue(value)}: ${detail}`);
  }

  typeInvalid(field: string, value: unknown, detail: string): void {
    this.add('FieldValueTypeInvalid', field, `Invalid value: ${showValue(value)}: ${detail}`);
  }

  notSupported(field: string, value: unknown, supported: readonly unknown[]): void {
    this.add('FieldValueNotSupported', field, `Unsupported value: ${showValue(value)}: supported values: ${supported.map(showValue).join(', ')}`);
  }

  duplicate(field: string, value: unknown): void {
    this.add('FieldValueDuplicate', field, `Duplicate value: ${showValue(value)}`);
  }

  tooLong(field: string, max: number): void {
    this.add('FieldValueTooLong', field, `Too long: may not be more than ${max} bytes`);
  }

  forbidden(field: string, detail: string): void {
    this.add('FieldValueForbidden', field, `Forbidden: ${detail}`);
  }

  notFound(field: string, value: unknown): void {
    this.add('FieldValueNotFound', field, `Not found: ${showValue(value)}`);
  }

  /** One Invalid cause per message from a syntax checker. */
  syntax(field: string, value: string, messages: string[]): void {
    for (const m of messages) this.invalid(field, value, m);
  }
}

// ---------------------------------------------------------------------------
// Schema errors → causes.

function segmentsOf(instancePath: string): string[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function join(path: string, child: string): string {
  return path === '' ? child : `${path}.${child}`;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function schemaErrorToCause(root: JsonSchema, e: ErrorObject, causes: Causes): void {
  const segments = segmentsOf(e.instancePath);
  const path = fieldPath(root, segments);
  const value = e.data;
  switch (e.keyword) {
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      causes.required(join(path, missing));
      return;
    }
    case 'type': {
      const expected = (e.params as { type: string | string[] }).type;
      const t = jsonType(value);
      const want = Array.isArray(expected) ? expected.join('/') : expected;
      causes.typeInvalid(path, t, `${path} in body must be of type ${want}: ${showValue(t)}`);
      return;
    }
    case 'enum':
      causes.notSupported(path, value, (e.params as { allowedValues: unknown[] }).allowedValues);
      return;
    case 'minimum':
      causes.invalid(path, value, `must be greater than or equal to ${(e.params as { limit: number }).limit}`);
      return;
    case 'maximum':
      causes.invalid(path, value, `must be less than or equal to ${(e.params as { limit: number }).limit}`);
      return;
    case 'format': {
      const format = (e.params as { format: string }).format;
      const detail =
        format === 'int32'
          ? 'must be a 32-bit integer'
          : format === 'int64'
            ? 'must be a 64-bit integer'
            : format === 'byte'
              ? 'must be base64-encoded data'
              : format === 'date-time'
                ? 'must be an RFC 3339 date-time'
                : `must match format ${format}`;
      causes.invalid(path, value, detail);
      return;
    }
    default:
      causes.invalid(path, value, e.message ?? 'invalid');
  }
}

// ---------------------------------------------------------------------------
// Null means "unset" to Go's JSON decoder; drop nulls so they read as absent.

/** A copy with every null-valued property removed (array items kept), as Go decodes JSON. */
export function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => withoutNulls(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
    return out as T;
  }
  return value;
}

// ---------------------------------------------------------------------------
// Semantic rules.

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const asObj = (v: unknown): Obj => (isObj(v) ? v : {});
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

type NameRule = (name: string) => string[];

/** How each kind's metadata.name is checked (ValidateObjectMeta name funcs). */
function nameRuleFor(kind: string): NameRule {
  switch (kind) {
    case 'Namespace':
      return validateDns1123Label;
    case 'Service':
      return validateDns1035Label;
    case 'CronJob':
      // The controller appends an 11-character suffix to Job names.
      return (n) => [...validateDns1123Subdomain(n), ...(n.length > 52 ? ['must be no more than 52 characters'] : [])];
    default:
      return validateDns1123Subdomain;
  }
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function validateLabels(labels: unknown, path: string, causes: Causes): void {
  for (const [k, v] of Object.entries(asObj(labels))) {
    causes.syntax(path, k, validateLabelKey(k));
    if (isStr(v)) causes.syntax(path, v, validateLabelValue(v));
  }
}

function validateMeta(meta: Obj, info: ResourceInfo, path: string, causes: Causes, isTemplate = false): void {
  if (!isTemplate) {
    const name = meta.name;
    const generateName = meta.generateName;
    const rule = nameRuleFor(info.kind);
    if (!isStr(name) || name === '') {
      if (!isStr(generateName) || generateName === '') causes.required(`${path}.name`, 'name or generateName is required');
    } else {
      causes.syntax(`${path}.name`, name, rule(name));
    }
    if (isStr(generateName) && generateName !== '') {
      // A trailing dash is fine in a prefix (Kubernetes' maskTrailingDash).
      const masked = generateName.endsWith('-') ? `${generateName.slice(0, -1)}a` : generateName;
      causes.syntax(`${path}.generateName`, generateName, rule(masked));
    }
    const ns = meta.namespace;
    if (info.namespaced) {
      if (isStr(ns) && ns !== '') causes.syntax(`${path}.namespace`, ns, validateDns1123Label(ns));
    } else if (isStr(ns) && ns !== '') {
      causes.forbidden(`${path}.namespace`, 'not allowed on this type');
    }
  }
  validateLabels(meta.labels, `${path}.labels`, causes);
  const annotations = asObj(meta.annotations);
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    causes.syntax(`${path}.annotations`, k, validateQualifiedName(k.toLowerCase()));
    size += k.length + (isStr(v) ? v.length : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) causes.tooLong(`${path}.annotations`, TOTAL_ANNOTATION_SIZE_LIMIT);
  asArr(meta.finalizers).forEach((f, i) => {
    if (isStr(f)) causes.syntax(`${path}.finalizers[${i}]`, f, validateQualifiedName(f));
  });
}

function portInRange(v: unknown): boolean {
  return isInt(v) && v >= 1 && v <= 65535;
}

const PORT_RANGE = 'must be between 1 and 65535, inclusive';

/** IANA service name: ≤15 lowercase alphanumerics and dashes, at least one letter, no leading/trailing/double dash. */
function validatePortName(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (name.includes('--')) errs.push("must not contain consecutive hyphens");
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const ENV_VAR_NAME_ERROR =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";

function validateQuantities(list: unknown, path: string, causes: Causes): void {
  for (const [k, v] of Object.entries(asObj(list))) {
    if (typeof v !== 'string' && typeof v !== 'number') continue; // the schema reported it
    const q = tryParseQuantity(v);
    if (!q) causes.invalid(`${path}[${k}]`, v, quantityErrorMessage());
    else if (q.mantissa < 0n) causes.invalid(`${path}[${k}]`, v, 'must be greater than or equal to 0');
  }
}

function validateResources(res: Obj, path: string, causes: Causes): void {
  validateQuantities(res.limits, `${path}.limits`, causes);
  validateQuantities(res.requests, `${path}.requests`, causes);
  const limits = asObj(res.limits);
  for (const [k, req] of Object.entries(asObj(res.requests))) {
    const lim = limits[k];
    if (lim === undefined) continue;
    const rq = tryParseQuantity(req as string);
    const lq = tryParseQuantity(lim as string);
    if (rq && lq && compareQuantities(rq, lq) > 0) {
      causes.invalid(`${path}.requests`, req, `must be less than or equal to ${k} limit of ${lim}`);
    }
  }
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

function validateHandlerPort(handler: Obj, path: string, causes: Causes): void {
  const port = handler.port;
  if (isInt(port)) {
    if (!portInRange(port)) causes.invalid(`${path}.port`, port, PORT_RANGE);
  } else if (isStr(port)) {
    causes.syntax(`${path}.port`, port, validatePortName(port));
  }
}

const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];
const HTTP_HEADER_NAME = /^[-A-Za-z0-9]+$/;

/** Exactly one of `kinds`, and what each action needs (a command, valid ports and header names). */
function validateHandler(handler: Obj, kinds: readonly string[], path: string, causes: Causes): void {
  const handlers = kinds.filter((h) => handler[h] !== undefined);
  if (handlers.length === 0) causes.required(path, 'must specify a handler type');
  else if (handlers.length > 1) causes.forbidden(`${path}.${handlers[1]}`, 'may not specify more than 1 handler type');
  if (isObj(handler.exec) && asArr(handler.exec.command).length === 0) causes.required(`${path}.exec.command`);
  for (const h of ['httpGet', 'tcpSocket']) if (isObj(handler[h])) validateHandlerPort(handler[h] as Obj, `${path}.${h}`, causes);
  if (isObj(handler.httpGet)) {
    asArr(handler.httpGet.httpHeaders).forEach((raw, i) => {
      const name = asObj(raw).name;
      if (isStr(name) && !HTTP_HEADER_NAME.test(name)) {
        causes.invalid(`${path}.httpGet.httpHeaders[${i}].name`, name,
          "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')");
      }
    });
  }
}

function validateProbe(probe: Obj, path: string, causes: Causes, successMustBeOne: boolean): void {
  validateHandler(probe, PROBE_HANDLERS, path, causes);
  if (isObj(probe.grpc) && isInt(probe.grpc.port) && !portInRange(probe.grpc.port)) {
    causes.invalid(`${path}.grpc.port`, probe.grpc.port, PORT_RANGE);
  }
  if (successMustBeOne && isInt(probe.successThreshold) && probe.successThreshold !== 1) {
    causes.invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1');
  }
  // Only liveness and startup probes (the ones that kill) may shorten the grace period.
  if (probe.terminationGracePeriodSeconds !== undefined && probe.terminationGracePeriodSeconds !== null) {
    if (!successMustBeOne) causes.forbidden(`${path}.terminationGracePeriodSeconds`, 'must not be set for readinessProbes');
    else if (isInt(probe.terminationGracePeriodSeconds) && probe.terminationGracePeriodSeconds <= 0) {
      causes.invalid(`${path}.terminationGracePeriodSeconds`, probe.terminationGracePeriodSeconds, 'must be greater than 0');
    }
  }
}

/** The signals Kubernetes accepts as a Linux container's lifecycle.stopSignal. */
const LINUX_STOP_SIGNALS = [
  'SIGABRT', 'SIGALRM', 'SIGBUS', 'SIGCHLD', 'SIGCLD', 'SIGCONT', 'SIGFPE', 'SIGHUP', 'SIGILL', 'SIGINT', 'SIGIO', 'SIGIOT',
  'SIGKILL', 'SIGPIPE', 'SIGPOLL', 'SIGPROF', 'SIGPWR', 'SIGQUIT', 'SIGSEGV', 'SIGSTKFLT', 'SIGSTOP', 'SIGSYS', 'SIGTERM',
  'SIGTRAP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGUSR1', 'SIGUSR2', 'SIGVTALRM', 'SIGWINCH', 'SIGXCPU', 'SIGXFSZ',
  'SIGRTMIN', ...Array.from({ length: 15 }, (_, i) => `SIGRTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `SIGRTMAX-${14 - i}`), 'SIGRTMAX',
];

function validateLifecycle(lifecycle: Obj, path: string, ctx: ContainerContext, causes: Causes): void {
  for (const hook of ['postStart', 'preStop']) {
    const handler = lifecycle[hook];
    if (!isObj(handler)) continue;
    validateHandler(handler, LIFECYCLE_HANDLERS, `${path}.${hook}`, causes);
    const seconds = isObj(handler.sleep) ? handler.sleep.seconds : undefined;
    if (isInt(seconds) && (seconds < 0 || seconds > ctx.gracePeriod)) {
      causes.invalid(`${path}.${hook}.sleep.seconds`, seconds, `must be non-negative and less than terminationGracePeriodSeconds (${ctx.gracePeriod})`);
    }
  }
  const signal = lifecycle.stopSignal;
  if (signal === undefined || signal === null) return;
  if (!ctx.os) causes.forbidden(`${path}.stopSignal`, 'may not be set for containers with empty `spec.os.name`');
  else if (ctx.os === 'linux' && !LINUX_STOP_SIGNALS.includes(signal as string)) causes.notSupported(`${path}.stopSignal`, signal, LINUX_STOP_SIGNALS);
}

function validateEnv(env: unknown[], path: string, causes: Causes): void {
  env.forEach((raw, i) => {
    const e = asObj(raw);
    const p = `${path}[${i}]`;
    if (isStr(e.name)) {
      if (e.name === '') causes.required(`${p}.name`);
      else if (!ENV_VAR_NAME.test(e.name)) causes.invalid(`${p}.name`, e.name, ENV_VAR_NAME_ERROR);
    }
    if (isObj(e.valueFrom)) {
      if (isStr(e.value) && e.value !== '') causes.invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty');
      const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((s) => (e.valueFrom as Obj)[s] !== undefined);
      if (sources.length === 0) causes.invalid(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`');
      else if (sources.length > 1) causes.invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time');
    }
  });
}

interface ContainerContext {
  volumes: Set<string>;
  names: Map<string, string>; // name → first path seen
  hostNetwork: boolean;
  /** spec.os.name, which lifecycle.stopSignal requires. */
  os?: string;
  /** terminationGracePeriodSeconds (a sleep hook may not outlast it). */
  gracePeriod: number;
}

function validateContainer(c: Obj, path: string, ctx: ContainerContext, causes: Causes, isInit: boolean): void {
  if (isStr(c.name)) {
    if (c.name === '') causes.required(`${path}.name`);
    else {
      causes.syntax(`${path}.name`, c.name, validateDns1123Label(c.name));
      if (ctx.names.has(c.name)) causes.duplicate(`${path}.name`, c.name);
      else ctx.names.set(c.name, path);
    }
  }
  if (c.image === undefined || c.image === '') causes.required(`${path}.image`);
  else if (isStr(c.image) && c.image.trim() !== c.image) {
    causes.invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace');
  }
  const portNames = new Set<string>();
  asArr(c.ports).forEach((raw, i) => {
    const port = asObj(raw);
    const p = `${path}.ports[${i}]`;
    if (isInt(port.containerPort) && !portInRange(port.containerPort)) causes.invalid(`${p}.containerPort`, port.containerPort, PORT_RANGE);
    if (isInt(port.hostPort) && port.hostPort !== 0) {
      if (!portInRange(port.hostPort)) causes.invalid(`${p}.hostPort`, port.hostPort, PORT_RANGE);
      else if (ctx.hostNetwork && port.hostPort !== port.containerPort) {
        causes.invalid(`${p}.hostPort`, port.hostPort, 'must match `containerPort` when `hostNetwork` is true');
      }
    }
    if (isStr(port.name) && port.name !== '') {
      causes.syntax(`${p}.name`, port.name, validatePortName(port.name));
      if (portNames.has(port.name)) causes.duplicate(`${p}.name`, port.name);
      portNames.add(port.name);
    }
  });
  validateEnv(asArr(c.env), `${path}.env`, causes);
  if (isObj(c.resources)) validateResources(c.resources, `${path}.resources`, causes);
  const mountPaths = new Set<string>();
  asArr(c.volumeMounts).forEach((raw, i) => {
    const m = asObj(raw);
    const p = `${path}.volumeMounts[${i}]`;
    if (isStr(m.name)) {
      if (m.name === '') causes.required(`${p}.name`);
      else if (!ctx.volumes.has(m.name)) causes.notFound(`${p}.name`, m.name);
    }
    if (isStr(m.mountPath)) {
      if (m.mountPath === '') causes.required(`${p}.mountPath`);
      else if (mountPaths.has(m.mountPath)) causes.invalid(`${p}.mountPath`, m.mountPath, 'must be unique');
      mountPaths.add(m.mountPath);
    }
  });
  if (isObj(c.livenessProbe)) validateProbe(c.livenessProbe, `${path}.livenessProbe`, causes, true);
  if (isObj(c.readinessProbe)) validateProbe(c.readinessProbe, `${path}.readinessProbe`, causes, false);
  if (isObj(c.startupProbe)) validateProbe(c.startupProbe, `${path}.startupProbe`, causes, true);
  if (isObj(c.lifecycle)) validateLifecycle(c.lifecycle, `${path}.lifecycle`, ctx, causes);
  if (!isInit || c.restartPolicy !== 'Always') {
    // Only sidecars (init containers with restartPolicy Always) may carry these.
    if (isInit && c.readinessProbe !== undefined) causes.forbidden(`${path}.readinessProbe`, 'may not be set for init containers without restartPolicy=Always');
    if (isInit && c.livenessProbe !== undefined) causes.forbidden(`${path}.livenessProbe`, 'may not be set for init containers without restartPolicy=Always');
    if (!isInit && c.restartPolicy !== undefined) causes.forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers');
  }
}

const VOLUME_SOURCES = ['hostPath', 'emptyDir', 'secret', 'configMap', 'persistentVolumeClaim', 'projected', 'downwardAPI', 'nfs', 'csi', 'ephemeral', 'image'];

function validateVolumes(volumes: unknown[], path: string, causes: Causes): Set<string> {
  const names = new Set<string>();
  volumes.forEach((raw, i) => {
    const v = asObj(raw);
    const p = `${path}[${i}]`;
    if (isStr(v.name)) {
      if (v.name === '') causes.required(`${p}.name`);
      else {
        causes.syntax(`${p}.name`, v.name, validateDns1123Label(v.name));
        if (names.has(v.name)) causes.duplicate(`${p}.name`, v.name);
        names.add(v.name);
      }
    }
    const sources = VOLUME_SOURCES.filter((s) => v[s] !== undefined);
    if (sources.length === 0) causes.required(p, 'must specify a volume type');
    else if (sources.length > 1) causes.forbidden(`${p}.${sources[1]}`, 'may not specify more than 1 volume type');
    if (isObj(v.hostPath) && v.hostPath.path === '') causes.required(`${p}.hostPath.path`);
    if (isObj(v.emptyDir) && v.emptyDir.sizeLimit !== undefined) validateQuantities({ sizeLimit: v.emptyDir.sizeLimit }, `${p}.emptyDir`, causes);
    for (const s of ['secret', 'configMap', 'downwardAPI', 'projected']) {
      const mode = asObj(v[s]).defaultMode;
      if (isInt(mode) && (mode < 0 || mode > 0o777)) {
        causes.invalid(`${p}.${s}.defaultMode`, mode, 'must be a number between 0 and 0777 (octal), both inclusive');
      }
    }
  });
  return names;
}

function validateTolerations(tolerations: unknown[], path: string, causes: Causes): void {
  tolerations.forEach((raw, i) => {
    const t = asObj(raw);
    const p = `${path}[${i}]`;
    if (isStr(t.key) && t.key !== '') causes.syntax(`${p}.key`, t.key, validateQualifiedName(t.key));
    if ((!isStr(t.key) || t.key === '') && t.operator !== 'Exists') {
      causes.invalid(`${p}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"');
    }
    if (t.operator === 'Exists' && isStr(t.value) && t.value !== '') {
      causes.invalid(`${p}.operator`, t.operator, 'value must be empty when `operator` is \'Exists\'');
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      causes.invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set");
    }
  });
}

function validateNodeSelectorTerms(terms: unknown[], path: string, causes: Causes): void {
  terms.forEach((raw, i) => {
    const term = asObj(raw);
    for (const field of ['matchExpressions', 'matchFields']) {
      asArr(term[field]).forEach((rr, j) => {
        const r = asObj(rr);
        const p = `${path}[${i}].${field}[${j}]`;
        const values = asArr(r.values);
        if ((r.operator === 'In' || r.operator === 'NotIn') && values.length === 0) {
          causes.required(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\'');
        }
        if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && values.length > 0) {
          causes.forbidden(`${p}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\'');
        }
        if ((r.operator === 'Gt' || r.operator === 'Lt') && (values.length !== 1 || !/^-?\d+$/.test(String(values[0])))) {
          causes.required(`${p}.values`, 'must be specified single value when `operator` is \'Lt\' or \'Gt\'');
        }
        if (field === 'matchExpressions' && isStr(r.key)) causes.syntax(`${p}.key`, r.key, validateLabelKey(r.key));
      });
    }
  });
}

function validateWeights(list: unknown[], path: string, causes: Causes): void {
  list.forEach((raw, i) => {
    const w = asObj(raw).weight;
    if (isInt(w) && (w < 1 || w > 100)) causes.invalid(`${path}[${i}].weight`, w, 'must be in the range 1-100');
  });
}

function validateAffinity(aff: Obj, path: string, causes: Causes): void {
  const node = asObj(aff.nodeAffinity);
  const required = asObj(node.requiredDuringSchedulingIgnoredDuringExecution);
  if (node.requiredDuringSchedulingIgnoredDuringExecution !== undefined) {
    const terms = asArr(required.nodeSelectorTerms);
    const p = `${path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
    if (terms.length === 0 && required.nodeSelectorTerms !== undefined) causes.required(p, 'must have at least one node selector term');
    validateNodeSelectorTerms(terms, p, causes);
  }
  validateWeights(asArr(node.preferredDuringSchedulingIgnoredDuringExecution), `${path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution`, causes);
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = asObj(aff[kind]);
    const base = `${path}.${kind}`;
    asArr(a.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const term = asObj(t);
      if (term.topologyKey === '') causes.required(`${base}.requiredDuringSchedulingIgnoredDuringExecution[${i}].topologyKey`, 'can not be empty');
      validateLabelSelectorObject(term.labelSelector, `${base}.requiredDuringSchedulingIgnoredDuringExecution[${i}].labelSelector`, causes);
    });
    validateWeights(asArr(a.preferredDuringSchedulingIgnoredDuringExecution), `${base}.preferredDuringSchedulingIgnoredDuringExecution`, causes);
  }
}

function validateTopologySpread(list: unknown[], path: string, causes: Causes): void {
  const seen = new Set<string>();
  list.forEach((raw, i) => {
    const c = asObj(raw);
    const p = `${path}[${i}]`;
    if (isInt(c.maxSkew) && c.maxSkew <= 0) causes.invalid(`${p}.maxSkew`, c.maxSkew, 'must be greater than zero');
    if (isInt(c.minDomains) && c.minDomains <= 0) causes.invalid(`${p}.minDomains`, c.minDomains, 'must be greater than zero');
    if (c.topologyKey === '') causes.required(`${p}.topologyKey`, 'can not be empty');
    const key = `${c.topologyKey}\u0000${c.whenUnsatisfiable}`;
    if (seen.has(key)) causes.duplicate(p, `{${c.topologyKey}, ${c.whenUnsatisfiable}}`);
    seen.add(key);
    validateLabelSelectorObject(c.labelSelector, `${p}.labelSelector`, causes);
  });
}

function validatePodSpec(spec: Obj, path: string, causes: Causes): void {
  const volumes = validateVolumes(asArr(spec.volumes), `${path}.volumes`, causes);
  const ctx: ContainerContext = {
    volumes, names: new Map(), hostNetwork: spec.hostNetwork === true,
    os: isStr(asObj(spec.os).name) ? (asObj(spec.os).name as string) : undefined,
    gracePeriod: isInt(spec.terminationGracePeriodSeconds) ? spec.terminationGracePeriodSeconds : 30,
  };
  if (Array.isArray(spec.containers) && spec.containers.length === 0) causes.required(`${path}.containers`);
  asArr(spec.initContainers).forEach((c, i) => validateContainer(asObj(c), `${path}.initContainers[${i}]`, ctx, causes, true));
  asArr(spec.containers).forEach((c, i) => validateContainer(asObj(c), `${path}.containers[${i}]`, ctx, causes, false));
  validateLabels(spec.nodeSelector, `${path}.nodeSelector`, causes);
  if (isStr(spec.serviceAccountName) && spec.serviceAccountName !== '') {
    causes.syntax(`${path}.serviceAccountName`, spec.serviceAccountName, validateDns1123Subdomain(spec.serviceAccountName));
  }
  if (isStr(spec.priorityClassName) && spec.priorityClassName !== '') {
    causes.syntax(`${path}.priorityClassName`, spec.priorityClassName, validateDns1123Subdomain(spec.priorityClassName));
  }
  if (isStr(spec.nodeName) && spec.nodeName !== '') causes.syntax(`${path}.nodeName`, spec.nodeName, validateDns1123Subdomain(spec.nodeName));
  for (const f of ['hostname', 'subdomain']) {
    const v = spec[f];
    if (isStr(v) && v !== '') causes.syntax(`${path}.${f}`, v, validateDns1123Label(v));
  }
  if (spec.dnsPolicy === 'None' && !isObj(spec.dnsConfig)) {
    causes.required(`${path}.dnsConfig`, "must provide `dnsConfig` when `dnsPolicy` is None");
  }
  validateTolerations(asArr(spec.tolerations), `${path}.tolerations`, causes);
  if (isObj(spec.affinity)) validateAffinity(spec.affinity, `${path}.affinity`, causes);
  validateTopologySpread(asArr(spec.topologySpreadConstraints), `${path}.topologySpreadConstraints`, causes);
  if (isObj(spec.overhead)) validateQuantities(spec.overhead, `${path}.overhead`, causes);
}

/** Checks operator/values of a LabelSelector object and its keys and values. */
function validateLabelSelectorObject(sel: unknown, path: string, causes: Causes): void {
  if (!isObj(sel)) return;
  validateLabels(sel.matchLabels, `${path}.matchLabels`, causes);
  asArr(sel.matchExpressions).forEach((raw, i) => {
    const r = asObj(raw);
    const p = `${path}.matchExpressions[${i}]`;
    const values = asArr(r.values);
    if ((r.operator === 'In' || r.operator === 'NotIn') && values.length === 0) {
      causes.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'");
    }
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && values.length > 0) {
      causes.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    }
    if (isStr(r.key)) causes.syntax(`${p}.key`, r.key, validateLabelKey(r.key));
  });
}

function isEmptySelector(sel: Obj): boolean {
  return Object.keys(asObj(sel.matchLabels)).length === 0 && asArr(sel.matchExpressions).length === 0;
}

/** What Deployment, ReplicaSet, DaemonSet and (manual-selector) Job share: selector vs. template labels. */
function validateSelectorAndTemplate(spec: Obj, path: string, kindWord: string, causes: Causes): void {
  const sel = spec.selector;
  if (isObj(sel)) {
    validateLabelSelectorObject(sel, `${path}.selector`, causes);
    if (isEmptySelector(sel)) causes.invalid(`${path}.selector`, sel, `empty selector is invalid for ${kindWord}`);
  }
  const template = asObj(spec.template);
  const labels = asObj(asObj(template.metadata).labels) as Record<string, string>;
  if (isObj(sel) && !isEmptySelector(sel) && !causes.has(`${path}.selector`)) {
    let selector;
    try {
      selector = labelSelectorToSelector(sel as LabelSelector);
    } catch {
      selector = undefined; // reported above
    }
    if (selector && !matches(selector, labels)) {
      causes.invalid(`${path}.template.metadata.labels`, labels, '`selector` does not match template `labels`');
    }
  }
}

function validateTemplate(spec: Obj, path: string, causes: Causes, allowedRestart: string[] | undefined): void {
  if (!isObj(spec.template)) return;
  const template = spec.template;
  const tpath = `${path}.template`;
  validateMeta(asObj(template.metadata), {} as ResourceInfo, `${tpath}.metadata`, causes, true);
  if (!isObj(template.spec)) {
    causes.required(`${tpath}.spec.containers`);
    return;
  }
  validatePodSpec(template.spec, `${tpath}.spec`, causes);
  const rp = template.spec.restartPolicy;
  if (allowedRestart) {
    if (rp === undefined && !allowedRestart.includes('Always')) causes.required(`${tpath}.spec.restartPolicy`, `valid values: ${allowedRestart.map(showValue).join(', ')}`);
    else if (isStr(rp) && !allowedRestart.includes(rp) && !causes.has(`${tpath}.spec.restartPolicy`)) {
      causes.notSupported(`${tpath}.spec.restartPolicy`, rp, allowedRestart);
    }
  }
}

function validateIntOrPercent(v: unknown, path: string, causes: Causes): void {
  if (isInt(v)) {
    if (v < 0) causes.invalid(path, v, 'must be greater than or equal to 0');
  } else if (isStr(v)) {
    if (!isPercent(v)) {
      causes.invalid(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
    } else if (Number(v.slice(0, -1)) < 0) causes.invalid(path, v, 'must be greater than or equal to 0');
    else if (Number(v.slice(0, -1)) > 100 && path.endsWith('maxUnavailable')) causes.invalid(path, v, 'must not be greater than 100%');
  }
}

function isZeroIntOrPercent(v: unknown): boolean {
  return v === 0 || v === '0%';
}

function validateRollingUpdate(ru: Obj, path: string, causes: Causes, surgeDefault: unknown): void {
  validateIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`, causes);
  validateIntOrPercent(ru.maxSurge, `${path}.maxSurge`, causes);
  const surge = ru.maxSurge ?? surgeDefault;
  if (ru.maxUnavailable !== undefined && isZeroIntOrPercent(ru.maxUnavailable) && isZeroIntOrPercent(surge)) {
    causes.invalid(`${path}.maxUnavailable`, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0');
  }
}

function validateDeployment(obj: Obj, causes: Causes): void {
  const spec = asObj(obj.spec);
  validateSelectorAndTemplate(spec, 'spec', 'deployment', causes);
  validateTemplate(spec, 'spec', causes, ['Always']);
  const strategy = asObj(spec.strategy);
  if (strategy.type === 'Recreate' && strategy.rollingUpdate !== undefined) {
    causes.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'");
  }
  if (isObj(strategy.rollingUpdate)) validateRollingUpdate(strategy.rollingUpdate, 'spec.strategy.rollingUpdate', causes, undefined);
  if (isInt(spec.progressDeadlineSeconds) && isInt(spec.minReadySeconds) && spec.progressDeadlineSeconds <= spec.minReadySeconds) {
    causes.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds');
  }
}

function validateReplicaSet(obj: Obj, causes: Causes): void {
  const spec = asObj(obj.spec);
  validateSelectorAndTemplate(spec, 'spec', 'replicaset', causes);
  validateTemplate(spec, 'spec', causes, ['Always']);
}

function validateDaemonSet(obj: Obj, causes: Causes): void {
  const spec = asObj(obj.spec);
  validateSelectorAndTemplate(spec, 'spec', 'daemonset', causes);
  validateTemplate(spec, 'spec', causes, ['Always']);
  const strategy = asObj(spec.updateStrategy);
  if (strategy.type === 'OnDelete' && strategy.rollingUpdate !== undefined) {
    causes.forbidden('spec.updateStrategy.rollingUpdate', "may not be specified when strategy `type` is 'OnDelete'");
  }
  if (isObj(strategy.rollingUpdate)) validateRollingUpdate(strategy.rollingUpdate, 'spec.updateStrategy.rollingUpdate', causes, 0);
}

function validateJobSpec(spec: Obj, path: string, causes: Causes): void {
  if (spec.manualSelector === true) {
    if (spec.selector === undefined) causes.required(`${path}.selector`);
    else validateSelectorAndTemplate(spec, path, 'job', causes);
  } else if (isObj(spec.selector)) {
    validateLabelSelectorObject(spec.selector, `${path}.selector`, causes);
  }
  validateTemplate(spec, path, causes, ['OnFailure', 'Never']);
  if (spec.completionMode === 'Indexed' && spec.completions === undefined) {
    causes.required(`${path}.completions`, 'when completion mode is Indexed');
  }
  if (spec.backoffLimitPerIndex !== undefined && spec.completionMode !== 'Indexed') {
    causes.invalid(`${path}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, 'requires indexed completion mode');
  }
  if (isObj(spec.podFailurePolicy)) validatePodFailurePolicy(spec, `${path}.podFailurePolicy`, causes);
}

/** Kubernetes' podFailurePolicy rules: one of onExitCodes / onPodConditions per rule, restartPolicy Never. */
function validatePodFailurePolicy(spec: Obj, path: string, causes: Causes): void {
  const restart = asObj(asObj(spec.template).spec).restartPolicy;
  if (restart !== undefined && restart !== 'Never') {
    causes.invalid(`${path.replace(/podFailurePolicy$/, 'template.spec.restartPolicy')}`, restart, 'only "Never" is supported when podFailurePolicy is specified');
  }
  const rules = asArr(asObj(spec.podFailurePolicy).rules);
  if (rules.length > 20) causes.invalid(`${path}.rules`, rules.length, 'must have at most 20 items');
  rules.forEach((r, i) => {
    const rule = asObj(r);
    const at = `${path}.rules[${i}]`;
    const codes = isObj(rule.onExitCodes) ? rule.onExitCodes : undefined;
    const conds = Array.isArray(rule.onPodConditions) && rule.onPodConditions.length > 0;
    if (codes && conds) causes.invalid(at, 'OnExitCodes and OnPodConditions', 'specifying both OnExitCodes and OnPodConditions is not supported');
    if (!codes && !conds) causes.invalid(at, '', 'specifying one of OnExitCodes and OnPodConditions is required');
    if (rule.action === 'FailIndex' && spec.backoffLimitPerIndex === undefined) {
      causes.invalid(`${at}.action`, 'FailIndex', 'requires the backoffLimitPerIndex to be set');
    }
    if (!codes) return;
    const values = asArr(codes.values);
    if (values.length === 0) causes.required(`${at}.onExitCodes.values`);
    if (values.length > 255) causes.invalid(`${at}.onExitCodes.values`, values.length, 'must have at most 255 items');
    const seen = new Set<unknown>();
    values.forEach((v, j) => {
      if (seen.has(v)) causes.duplicate(`${at}.onExitCodes.values[${j}]`, v);
      seen.add(v);
      if (v === 0 && codes.operator === 'In') causes.invalid(`${at}.onExitCodes.values[${j}]`, 0, 'must not be 0 for the In operator');
    });
  });
}

const MAX_ENDPOINTS_PER_SLICE = 1000;

/** discovery.k8s.io/v1 EndpointSlice: addresses of the slice's type, 1–100 per endpoint, valid ports. */
function validateEndpointSlice(obj: Obj, causes: Causes): void {
  const type = obj.addressType;
  const endpoints = asArr(obj.endpoints);
  if (endpoints.length > MAX_ENDPOINTS_PER_SLICE) causes.invalid('endpoints', endpoints.length, `must have at most ${MAX_ENDPOINTS_PER_SLICE} items`);
  endpoints.forEach((e, i) => {
    const addresses = asArr(asObj(e).addresses);
    if (addresses.length === 0) causes.required(`endpoints[${i}].addresses`, 'must contain at least 1 address');
    if (addresses.length > 100) causes.invalid(`endpoints[${i}].addresses`, addresses.length, 'must have at most 100 items');
    addresses.forEach((a, j) => {
      if (!isStr(a)) return;
      const ok = type === 'IPv4' ? isIPv4(a) : type === 'IPv6' ? isIPv6(a) : type === 'FQDN' ? /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(a) && a.length <= 253 : true;
      if (!ok) causes.invalid(`endpoints[${i}].addresses[${j}]`, a, `must be a valid ${type === 'FQDN' ? 'DNS subdomain' : `${type} address`}`);
    });
  });
  const names = new Set<string>();
  asArr(obj.ports).forEach((p, i) => {
    const port = asObj(p);
    if (port.port !== undefined && !portInRange(port.port)) causes.invalid(`ports[${i}].port`, port.port, PORT_RANGE);
    const name = isStr(port.name) ? port.name : '';
    if (names.has(name)) causes.duplicate(`ports[${i}].name`, name);
    names.add(name);
    if (name !== '' && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) causes.invalid(`ports[${i}].name`, name, 'must be a DNS label or empty');
  });
}

function validateCronJob(obj: Obj, causes: Causes): void {
  const spec = asObj(obj.spec);
  if (isStr(spec.schedule) && spec.schedule.trim() === '') causes.required('spec.schedule');
  else if (isStr(spec.schedule) && !validCronSchedule(spec.schedule)) {
    causes.invalid('spec.schedule', spec.schedule, 'unparseable schedule: expected 5 fields or a @descriptor');
  }
  const jt = asObj(spec.jobTemplate);
  if (isObj(jt.metadata)) validateMeta(jt.metadata, {} as ResourceInfo, 'spec.jobTemplate.metadata', causes, true);
  if (isObj(jt.spec)) validateJobSpec(jt.spec, 'spec.jobTemplate.spec', causes);
}

const CRON_DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Standard 5-field cron (optionally prefixed `TZ=`/`CRON_TZ=`) or a descriptor; fields are checked for allowed characters only. */
function validCronSchedule(s: string): boolean {
  let spec = s.trim();
  if (/^(CRON_)?TZ=\S+\s/.test(spec)) spec = spec.replace(/^(CRON_)?TZ=\S+\s+/, '');
  if (spec.startsWith('@')) return CRON_DESCRIPTORS.includes(spec) || /^@every\s+\S+$/.test(spec);
  const fields = spec.split(/\s+/);
  return fields.length === 5 && fields.every((f) => /^[-*/,?0-9A-Za-z]+$/.test(f));
}

function validateService(obj: Obj, causes: Causes): void {
  const spec = asObj(obj.spec);
  const type = spec.type ?? 'ClusterIP';
  const ports = asArr(spec.ports);
  const headless = spec.clusterIP === 'None';
  if (type === 'ExternalName') {
    if (!isStr(spec.externalName) || spec.externalName === '') causes.required('spec.externalName');
  } else if (ports.length === 0 && !headless) {
    causes.required('spec.ports');
  }
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((raw, i) => {
    const port = asObj(raw);
    const p = `spec.ports[${i}]`;
    if (ports.length > 1 && (!isStr(port.name) || port.name === '')) causes.required(`${p}.name`);
    if (isStr(port.name) && port.name !== '') {
      causes.syntax(`${p}.name`, port.name, validateDns1123Label(port.name));
      if (names.has(port.name)) causes.duplicate(`${p}.name`, port.name);
      names.add(port.name);
    }
    if (isInt(port.port) && !portInRange(port.port)) causes.invalid(`${p}.port`, port.port, PORT_RANGE);
    const key = `${port.port}/${port.protocol ?? 'TCP'}`;
    if (keys.has(key)) causes.duplicate(p, { port: port.port, protocol: port.protocol ?? 'TCP' });
    keys.add(key);
    if (isInt(port.targetPort)) {
      if (port.targetPort !== 0 && !portInRange(port.targetPort)) causes.invalid(`${p}.targetPort`, port.targetPort, PORT_RANGE);
    } else if (isStr(port.targetPort) && port.targetPort !== '') {
      causes.syntax(`${p}.targetPort`, port.targetPort, validatePortName(port.targetPort));
    }
    if (isInt(port.nodePort) && port.nodePort !== 0) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') causes.forbidden(`${p}.nodePort`, 'may not be used when `type` is \'ClusterIP\'');
      else if (!portInRange(port.nodePort)) causes.invalid(`${p}.nodePort`, port.nodePort, PORT_RANGE);
    }
  });
  validateLabels(spec.selector, 'spec.selector', causes);
}

function validateNode(obj: Obj, causes: Causes): void {
  const spec = asObj(obj.spec);
  const seen = new Set<string>();
  asArr(spec.taints).forEach((raw, i) => {
    const t = asObj(raw);
    const p = `spec.taints[${i}]`;
    if (isStr(t.key)) causes.syntax(`${p}.key`, t.key, validateQualifiedName(t.key));
    if (isStr(t.value) && t.value !== '') causes.syntax(`${p}.value`, t.value, validateLabelValue(t.value));
    const k = `${t.key}:${t.effect}`;
    if (seen.has(k)) causes.duplicate(p, `${t.key}:${t.effect}`);
    seen.add(k);
  });
  const status = asObj(obj.status);
  validateQuantities(status.capacity, 'status.capacity', causes);
  validateQuantities(status.allocatable, 'status.allocatable', causes);
}

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

function validateDataKeys(data: unknown, path: string, causes: Causes): void {
  for (const k of Object.keys(asObj(data))) {
    if (k.length > 253) causes.invalid(path, k, 'must be no more than 253 characters');
    if (!CONFIG_KEY.test(k) || k === '.' || k === '..' || k.startsWith('..')) {
      causes.invalid(path, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
    }
  }
}

function validateConfigMap(obj: Obj, causes: Causes): void {
  validateDataKeys(obj.data, 'data', causes);
  validateDataKeys(obj.binaryData, 'binaryData', causes);
  const both = Object.keys(asObj(obj.data)).filter((k) => k in asObj(obj.binaryData));
  for (const k of both) causes.invalid('data', k, 'duplicate of key present in binaryData');
}

function validateSecret(obj: Obj, causes: Causes): void {
  validateDataKeys(obj.data, 'data', causes);
  validateDataKeys(obj.stringData, 'stringData', causes);
}

function validatePod(obj: Obj, causes: Causes): void {
  if (isObj(obj.spec)) validatePodSpec(obj.spec, 'spec', causes);
  else if (obj.spec === undefined) causes.required('spec.containers');
}

function validatePriorityClass(obj: Obj, causes: Causes): void {
  const name = asObj(obj.metadata).name;
  if (isStr(name) && name.startsWith('system-') && name !== 'system-node-critical' && name !== 'system-cluster-critical') {
    causes.forbidden('metadata.name', "name prefix 'system-' is reserved for system priority classes");
  }
}

const KIND_RULES: Record<string, (obj: Obj, causes: Causes) => void> = {
  Pod: validatePod,
  Deployment: validateDeployment,
  ReplicaSet: validateReplicaSet,
  DaemonSet: validateDaemonSet,
  Job: (obj, causes) => validateJobSpec(asObj(obj.spec), 'spec', causes),
  CronJob: validateCronJob,
  Service: validateService,
  Node: validateNode,
  ConfigMap: validateConfigMap,
  Secret: validateSecret,
  PriorityClass: validatePriorityClass,
  EndpointSlice: validateEndpointSlice,
};

// ---------------------------------------------------------------------------
// Entry points.

function infoFor(obj: Obj): ResourceInfo | undefined {
  return isStr(obj.apiVersion) && isStr(obj.kind) ? findByKind(obj.apiVersion, obj.kind) : undefined;
}

/**
 * Every wrong field of an object, as Kubernetes reports them in a 422's
 * details.causes. Unknown fields are not reported here (see unknownFields).
 * An apiVersion/kind that Kapstan does not serve is itself one cause.
 */
export function validateObject(input: unknown): StatusCause[] {
  const causes = new Causes();
  if (!isObj(input)) {
    causes.typeInvalid('', jsonType(input), 'an object is required');
    return causes.list;
  }
  const info = infoFor(input);
  if (!info) {
    if (!isStr(input.apiVersion) || input.apiVersion === '') causes.required('apiVersion');
    if (!isStr(input.kind) || input.kind === '') causes.required('kind');
    else causes.notSupported('kind', input.kind, []);
    return causes.list;
  }
  const definition = definitionNameFor(info.group, info.kind);
  const obj = withoutNulls(input);
  if (definition) {
    const validate = validatorFor(definition);
    if (!validate(obj)) {
      const root = DEFINITIONS[definition];
      for (const e of validate.errors ?? []) schemaErrorToCause(root, e, causes);
    }
  }
  validateMeta(asObj(obj.metadata), info, 'metadata', causes);
  KIND_RULES[info.kind]?.(obj, causes);
  return causes.list;
}

/** Paths of fields the schema does not know, e.g. `spec.containers[0].imagePullPolize`, for fieldValidation=Strict. */
export function unknownFields(input: unknown): string[] {
  if (!isObj(input)) return [];
  const info = infoFor(input);
  const definition = info && definitionNameFor(info.group, info.kind);
  if (!definition) return [];
  const out: string[] = [];
  walkUnknown(input, DEFINITIONS[definition], '', out);
  return out;
}

function walkUnknown(value: unknown, schemaRef: JsonSchema | undefined, path: string, out: string[]): void {
  const schema = resolveSchema(schemaRef);
  if (!schema || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    const items = schema.items as JsonSchema | undefined;
    value.forEach((v, i) => walkUnknown(v, items, `${path}[${i}]`, out));
    return;
  }
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  const additional = schema.additionalProperties;
  for (const [k, v] of Object.entries(value)) {
    if (props && Object.prototype.hasOwnProperty.call(props, k)) {
      walkUnknown(v, props[k], path === '' ? k : `${path}.${k}`, out);
    } else if (additional && typeof additional === 'object') {
      walkUnknown(v, additional as JsonSchema, `${path}[${k}]`, out);
    } else if (props) {
      out.push(path === '' ? k : `${path}.${k}`);
    }
  }
}

/** The 422 message Kubernetes gives for unknown fields under fieldValidation=Strict: `strict decoding error: unknown field "x", …`. */
export function strictDecodingMessage(paths: readonly string[]): string {
  return `strict decoding error: ${paths.map((p) => `unknown field "${p}"`).join(', ')}`;
}
