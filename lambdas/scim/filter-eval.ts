import type { AttrPath, CompValue, Filter } from './filter';
import { type AttributeDef, type ResourceKind, isExtensionUrn, resolveAttribute, subAttribute } from './schema';
import { invalidFilter } from './scim-error';

export type Json = Record<string, unknown>;

/** The value of `key` in `object`, matching the key case-insensitively (attribute names are, RFC 7643 §2.1). */
export function getCi(object: Json, key: string): unknown {
  if (key in object) return object[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(object)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The container of an attribute: the resource itself, or the extension object named by the URN. */
export function containerOf(resource: Json, kind: ResourceKind, path: { urn?: string }): Json | undefined {
  const resolved = resolveAttribute(kind, 'x', path.urn);
  if (!resolved.extension) return resource;
  const ext = getCi(resource, resolved.extension);
  return isObject(ext) ? ext : undefined;
}

interface Leaf {
  readonly values: unknown[];
  readonly def?: AttributeDef;
}

/** Every value the path designates (flattened over multi-valued attributes), with its definition. */
function leaf(resource: Json, kind: ResourceKind, path: AttrPath, parent?: AttributeDef): Leaf {
  if (parent) {
    // Inside a value path `emails[type eq "work"]`: `type` names a sub-attribute of the element.
    const def = subAttribute(parent, path.attr);
    return { values: flat([getCi(resource, path.attr)]), def };
  }
  const container = containerOf(resource, kind, path);
  if (!container) return { values: [] };
  const resolved = resolveAttribute(kind, path.attr, path.urn);
  const raw = getCi(container, path.attr);
  if (path.sub !== undefined) {
    const def = subAttribute(resolved.def, path.sub);
    const values = flat([raw]).flatMap((element) => (isObject(element) ? flat([getCi(element, path.sub!)]) : []));
    return { values, def };
  }
  const values = flat([raw]);
  // RFC 7644 §3.4.2.2: a complex multi-valued attribute without a sub-attribute compares its `value`.
  if (values.some(isObject)) {
    const valueDef = subAttribute(resolved.def, 'value');
    return { values: values.flatMap((element) => (isObject(element) ? flat([getCi(element, 'value')]) : [])), def: valueDef };
  }
  return { values, def: resolved.def };
}

/** What `pr` looks at: the values themselves, so a complex attribute (`name pr`, `addresses pr`) counts when it holds anything. */
function presentValues(resource: Json, kind: ResourceKind, path: AttrPath, parent?: AttributeDef): unknown[] {
  if (parent || path.sub !== undefined) return leaf(resource, kind, path, parent).values;
  const container = containerOf(resource, kind, path);
  return container ? flat([getCi(container, path.attr)]) : [];
}

const flat = (values: unknown[]): unknown[] => values.flatMap((value) => (Array.isArray(value) ? value : [value])).filter((value) => value !== undefined && value !== null);

const present = (value: unknown): boolean => !(value === '' || (Array.isArray(value) && value.length === 0) || (isObject(value) && !Object.values(value).some((v) => v !== null && v !== undefined && present(v))));

type Kind = 'string' | 'number' | 'boolean' | 'dateTime' | 'binary';
function typeOf(def: AttributeDef | undefined, value: unknown): Kind {
  if (def) {
    if (def.type === 'integer' || def.type === 'decimal') return 'number';
    if (def.type === 'boolean') return 'boolean';
    if (def.type === 'dateTime') return 'dateTime';
    if (def.type === 'binary') return 'binary';
    return 'string';
  }
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'string';
}

const ORDERING_OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

function compareOne(op: string, actual: unknown, expected: CompValue, def: AttributeDef | undefined): boolean {
  const kind = typeOf(def, actual);
  if (kind === 'boolean') {
    const a = typeof actual === 'string' ? actual.toLowerCase() === 'true' : actual === true;
    const e = typeof expected === 'string' ? expected.toLowerCase() === 'true' : expected === true;
    if (op === 'eq') return a === e;
    if (op === 'ne') return a !== e;
    throw invalidFilter(`operator "${op}" does not apply to the boolean attribute ${def?.name ?? ''}`.trim());
  }
  if (kind === 'number') {
    const a = Number(actual);
    const e = Number(expected);
    if (!ORDERING_OPS.has(op)) throw invalidFilter(`operator "${op}" does not apply to the number attribute ${def?.name ?? ''}`.trim());
    if (Number.isNaN(a) || Number.isNaN(e)) return op === 'ne';
    return numeric(op, a, e);
  }
  if (typeof expected !== 'string') {
    if (op === 'ne') return true;
    if (op === 'eq') return false;
    throw invalidFilter(`operator "${op}" needs a string value for ${def?.name ?? 'this attribute'}`);
  }
  if (kind === 'binary' && !['eq', 'ne', 'pr'].includes(op)) throw invalidFilter(`operator "${op}" does not apply to binary attributes`);
  if (kind === 'dateTime' && ORDERING_OPS.has(op)) {
    const a = Date.parse(String(actual));
    const e = Date.parse(expected);
    if (Number.isNaN(e)) throw invalidFilter(`"${expected}" is not a dateTime`);
    if (!Number.isNaN(a)) return numeric(op, a, e);
  }
  const caseExact = def?.caseExact ?? false;
  const a = caseExact ? String(actual) : String(actual).toLowerCase();
  const e = caseExact ? expected : expected.toLowerCase();
  switch (op) {
    case 'eq': return a === e;
    case 'ne': return a !== e;
    case 'co': return a.includes(e);
    case 'sw': return a.startsWith(e);
    case 'ew': return a.endsWith(e);
    default: return numeric(op, a < e ? -1 : a > e ? 1 : 0, 0);
  }
}

function numeric(op: string, a: number, e: number): boolean {
  switch (op) {
    case 'eq': return a === e;
    case 'ne': return a !== e;
    case 'gt': return a > e;
    case 'ge': return a >= e;
    case 'lt': return a < e;
    default: return a <= e;
  }
}

/** Evaluates a filter against a resource as served (its SCIM JSON). Throws 400 invalidFilter on a type misuse. */
export function matches(filter: Filter, resource: Json, kind: ResourceKind, parent?: AttributeDef): boolean {
  switch (filter.op) {
    case 'and':
      return matches(filter.left, resource, kind, parent) && matches(filter.right, resource, kind, parent);
    case 'or':
      return matches(filter.left, resource, kind, parent) || matches(filter.right, resource, kind, parent);
    case 'not':
      return !matches(filter.filter, resource, kind, parent);
    case 'valuePath': {
      if (parent) throw invalidFilter('value filters cannot be nested');
      const container = containerOf(resource, kind, filter.path);
      const def = resolveAttribute(kind, filter.path.attr, filter.path.urn).def;
      const elements = container ? flat([getCi(container, filter.path.attr)]) : [];
      return elements.some((element) => isObject(element) && matches(filter.filter, element, kind, def ?? { name: filter.path.attr, type: 'complex', multiValued: true, description: '', required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none' }));
    }
    case 'pr':
      return presentValues(resource, kind, filter.path, parent).some(present);
    default: {
      const { values, def } = leaf(resource, kind, filter.path, parent);
      if (filter.value === null) {
        if (filter.op === 'eq') return !values.some(present);
        if (filter.op === 'ne') return values.some(present);
        throw invalidFilter(`operator "${filter.op}" cannot compare with null`);
      }
      if (def?.type === 'complex') throw invalidFilter(`"${def.name}" is complex: compare one of its sub-attributes`);
      if (filter.op === 'ne') return !values.some((value) => compareOne('eq', value, filter.value, def));
      return values.some((value) => compareOne(filter.op, value, filter.value, def));
    }
  }
}

/**
 * 400 invalidFilter for an attribute no schema defines (RFC 7644 §3.4.2.2 allows either that or no match):
 * a typo such as `usrName eq "x"` must not look like "no such user", or a client creates a duplicate.
 * Attributes under a URN the server does not define (a client's own extension, stored as sent) stay filterable.
 */
export function checkFilterAttributes(filter: Filter, kind: ResourceKind, parent?: AttributeDef): void {
  switch (filter.op) {
    case 'and':
    case 'or':
      checkFilterAttributes(filter.left, kind, parent);
      checkFilterAttributes(filter.right, kind, parent);
      return;
    case 'not':
      checkFilterAttributes(filter.filter, kind, parent);
      return;
    case 'valuePath':
      checkFilterAttributes(filter.filter, kind, checkPath(filter.path, kind));
      return;
    default:
      if (parent) {
        if (parent.subAttributes && !subAttribute(parent, filter.path.attr)) throw invalidFilter(`"${parent.name}" has no sub-attribute "${filter.path.attr}"`);
        return;
      }
      checkPath(filter.path, kind);
  }
}

function checkPath(path: AttrPath, kind: ResourceKind): AttributeDef | undefined {
  const resolved = resolveAttribute(kind, path.attr, path.urn);
  if (resolved.extension && !isExtensionUrn(kind, resolved.extension)) return undefined;
  if (!resolved.def) {
    if (!resolved.extension && path.attr.toLowerCase() === 'schemas') return undefined;
    throw invalidFilter(`no ${kind} attribute is named "${path.attr}"${resolved.extension ? ` in ${resolved.extension}` : ''}`);
  }
  if (path.sub !== undefined && resolved.def.subAttributes && !subAttribute(resolved.def, path.sub)) throw invalidFilter(`"${resolved.def.name}" has no sub-attribute "${path.sub}"`);
  return resolved.def;
}
