import { parseAttrPath, type AttrPath } from './filter';
import { isObject, type Json } from './filter-eval';
import { type ResourceKind, resolveAttribute, splitUrn } from './schema';
import { invalidValue } from './scim-error';

/** RFC 7644 §3.4.2.5 `attributes` / `excludedAttributes`, parsed once per request. */
export interface Projection {
  readonly attributes?: AttrPath[];
  readonly excluded?: AttrPath[];
}

function parseList(kind: ResourceKind, text: string | undefined): AttrPath[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return text.split(',').map((item) => {
    const trimmed = item.trim();
    const { urn, rest } = splitUrn(kind, trimmed);
    if (urn !== undefined && rest === '') return { urn, attr: '' };
    const path = parseAttrPath(rest, invalidValue);
    return urn === undefined ? path : { ...path, urn };
  });
}

export function parseProjection(kind: ResourceKind, attributes: string | undefined, excludedAttributes: string | undefined): Projection {
  const out: { attributes?: AttrPath[]; excluded?: AttrPath[] } = {};
  const a = parseList(kind, attributes);
  const e = parseList(kind, excludedAttributes);
  if (a) out.attributes = a;
  if (e) out.excluded = e;
  return out;
}

const ALWAYS = new Set(['id', 'schemas']);

/** Whether `attribute` (top-level, core) is part of the response under this projection and its `returned` default. */
export function wants(kind: ResourceKind, projection: Projection, attribute: string, returnedByDefault: boolean): boolean {
  const same = (path: AttrPath) => path.attr.toLowerCase() === attribute.toLowerCase() && !resolveAttribute(kind, path.attr, path.urn).extension;
  if (projection.attributes) return projection.attributes.some(same);
  if (projection.excluded?.some((path) => same(path) && path.sub === undefined)) return false;
  return returnedByDefault;
}

function keyOf(object: Json, name: string): string | undefined {
  return Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
}

export function project(kind: ResourceKind, resource: Json, projection: Projection): Json {
  if (projection.attributes) {
    const out: Json = {};
    for (const key of Object.keys(resource)) if (ALWAYS.has(key)) out[key] = resource[key];
    for (const path of projection.attributes) copyPath(kind, resource, out, path);
    return out;
  }
  if (projection.excluded) {
    const out = structuredClone(resource);
    for (const path of projection.excluded) removePath(kind, out, path);
    return out;
  }
  return resource;
}

function containerKey(kind: ResourceKind, resource: Json, path: AttrPath): string | undefined {
  const resolved = resolveAttribute(kind, path.attr || 'x', path.urn);
  return resolved.extension ? keyOf(resource, resolved.extension) : undefined;
}

function copyPath(kind: ResourceKind, from: Json, to: Json, path: AttrPath): void {
  const extKey = containerKey(kind, from, path);
  let source: Json = from;
  let target: Json = to;
  if (extKey) {
    const ext = from[extKey];
    if (!isObject(ext)) return;
    if (path.attr === '') {
      to[extKey] = ext;
      return;
    }
    source = ext;
    target = isObject(to[extKey]) ? (to[extKey] as Json) : (to[extKey] = {} as Json);
  } else if (path.attr === '') {
    return;
  }
  const key = keyOf(source, path.attr);
  if (!key) return;
  const value = source[key];
  if (path.sub === undefined) {
    target[key] = value;
    return;
  }
  const pick = (element: unknown): Json | undefined => {
    if (!isObject(element)) return undefined;
    const subKey = keyOf(element, path.sub!);
    return subKey === undefined ? undefined : { [subKey]: element[subKey] };
  };
  if (Array.isArray(value)) {
    const existing = Array.isArray(target[key]) ? (target[key] as Json[]) : value.map(() => ({}));
    value.forEach((element, i) => Object.assign(existing[i]!, pick(element) ?? {}));
    target[key] = existing;
  } else {
    const picked = pick(value);
    if (picked) target[key] = { ...(isObject(target[key]) ? (target[key] as Json) : {}), ...picked };
  }
}

function removePath(kind: ResourceKind, resource: Json, path: AttrPath): void {
  const extKey = containerKey(kind, resource, path);
  let container: Json = resource;
  if (extKey) {
    if (path.attr === '') {
      delete resource[extKey];
      return;
    }
    const ext = resource[extKey];
    if (!isObject(ext)) return;
    container = ext;
  }
  const key = keyOf(container, path.attr);
  if (!key || (!extKey && ALWAYS.has(key))) return;
  if (path.sub === undefined) {
    delete container[key];
    return;
  }
  const value = container[key];
  for (const element of Array.isArray(value) ? value : [value]) {
    if (isObject(element)) {
      const subKey = keyOf(element, path.sub);
      if (subKey) delete element[subKey];
    }
  }
}

