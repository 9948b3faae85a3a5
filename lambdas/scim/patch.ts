import { type Filter, type PatchPath, parsePatchPath } from './filter';
import { getCi, isObject, matches, type Json } from './filter-eval';
import { type AttributeDef, type ResourceKind, SCHEMA, complexFromShorthand, resolveAttribute, splitUrn, subAttribute } from './schema';
import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget, tooMany } from './scim-error';

/** RFC 7644 §3.5.2. Entra writes ops capitalised ("Replace"): ops compare case-insensitively. */
export type PatchOpName = 'add' | 'remove' | 'replace';

export interface PatchOperation {
  readonly op: PatchOpName;
  readonly path?: string;
  readonly value?: unknown;
}

export const MAX_PATCH_OPERATIONS = 1000;

/** Validates a PatchOp body's envelope; the operations themselves are checked as they apply. */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw invalidSyntax('a PATCH body must be a JSON object');
  const schemas = getCi(body, 'schemas');
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SCHEMA.patchOp.toLowerCase()))) {
    throw invalidSyntax(`"schemas" must contain "${SCHEMA.patchOp}"`);
  }
  const operations = getCi(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) throw invalidSyntax('"Operations" must be a non-empty array');
  if (operations.length > MAX_PATCH_OPERATIONS) throw tooMany(`at most ${MAX_PATCH_OPERATIONS} operations per PATCH`);
  return operations.map((raw, index) => {
    if (!isObject(raw)) throw invalidSyntax(`Operations[${index}] must be an object`);
    const op = getCi(raw, 'op');
    const lower = typeof op === 'string' ? op.toLowerCase() : undefined;
    if (lower !== 'add' && lower !== 'remove' && lower !== 'replace') throw invalidSyntax(`Operations[${index}].op must be add, remove or replace`);
    const path = getCi(raw, 'path');
    if (path !== undefined && path !== null && typeof path !== 'string') throw invalidPath(`Operations[${index}].path must be a string`);
    const value = getCi(raw, 'value');
    if (lower !== 'remove' && value === undefined) throw invalidSyntax(`Operations[${index}] (${lower}) needs a "value"`);
    return { op: lower, ...(typeof path === 'string' && path.trim() !== '' ? { path } : {}), ...(value !== undefined ? { value } : {}) };
  });
}

/** Called for operations on a Group's `members`: they are applied through membership items, never in the document. */
export type MembersHandler = (op: PatchOpName, path: PatchPath, value: unknown) => void;

const READ_ONLY: Record<ResourceKind, Set<string>> = {
  User: new Set(['id', 'meta', 'groups', 'schemas']),
  Group: new Set(['id', 'meta', 'schemas']),
};

const clone = <T>(value: T): T => structuredClone(value);

/**
 * Applies operations to a copy of the resource's JSON and returns it; nothing is stored. The caller
 * validates the result and writes it once with a version check, so a PATCH is all or nothing.
 */
export function applyPatch(kind: ResourceKind, resource: Json, operations: PatchOperation[], onMembers?: MembersHandler): Json {
  const doc = clone(resource);
  for (const operation of operations) {
    if (operation.path === undefined) applyPathless(kind, doc, operation, onMembers);
    else applyAt(kind, doc, operation.op, parsePatchPath(operation.path, (p) => splitUrn(kind, p)), operation.value, onMembers, true);
  }
  return doc;
}

function applyPathless(kind: ResourceKind, doc: Json, operation: PatchOperation, onMembers?: MembersHandler): void {
  if (operation.op === 'remove') throw noTarget('"remove" needs a "path"');
  if (!isObject(operation.value)) throw invalidValue(`a "${operation.op}" without a path needs an object value`);
  for (const [key, value] of Object.entries(operation.value)) {
    const { urn, rest } = splitUrn(kind, key);
    if (urn !== undefined && rest === '') {
      if (urn.toLowerCase() === resolveCoreUrn(kind).toLowerCase() && isObject(value)) {
        applyPathless(kind, doc, { op: operation.op, value }, onMembers);
        continue;
      }
      // A whole extension object: each of its attributes is an operation of its own.
      if (isObject(value)) {
        for (const [inner, innerValue] of Object.entries(value)) {
          applyAt(kind, doc, operation.op, parsePatchPath(`${urn}:${inner}`, (p) => splitUrn(kind, p)), innerValue, onMembers, false);
        }
        continue;
      }
    }
    if (key.toLowerCase() === 'schemas') continue;
    // Entra: dotted keys such as "name.givenName"; URN-qualified keys for extension attributes.
    const path = parsePatchPath(key, (p) => splitUrn(kind, p));
    applyAt(kind, doc, operation.op, path, value, onMembers, false);
  }
}

const resolveCoreUrn = (kind: ResourceKind): string => (kind === 'User' ? SCHEMA.user : SCHEMA.group);

function containerFor(kind: ResourceKind, doc: Json, path: PatchPath, create: boolean): Json | undefined {
  const resolved = resolveAttribute(kind, path.attr || 'x', path.urn);
  if (!resolved.extension) return doc;
  const key = Object.keys(doc).find((k) => k.toLowerCase() === resolved.extension!.toLowerCase()) ?? resolved.extension;
  const existing = doc[key];
  if (isObject(existing)) return existing;
  if (!create) return undefined;
  const created: Json = {};
  doc[key] = created;
  return created;
}

const keyIn = (object: Json, name: string): string => Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;

function applyAt(kind: ResourceKind, doc: Json, op: PatchOpName, path: PatchPath, value: unknown, onMembers: MembersHandler | undefined, explicit: boolean): void {
  const resolved = resolveAttribute(kind, path.attr || 'x', path.urn);
  const name = path.attr === '' ? '' : resolved.name;
  if (kind === 'Group' && !resolved.extension && name === 'members' && onMembers) {
    onMembers(op, { ...path, attr: 'members' }, value);
    return;
  }
  if (!resolved.extension && READ_ONLY[kind].has(name)) {
    // Okta's rename sends {id, displayName}; read-only keys in a pathless value are ignored, named paths are refused.
    if (explicit) throw mutability(`"${name}" is read-only`);
    return;
  }
  if (resolved.def?.mutability === 'readOnly' && explicit) throw mutability(`"${name}" is read-only`);
  if (name === 'password') return;

  const container = containerFor(kind, doc, path, op !== 'remove');
  if (!container) return;

  if (path.attr === '') {
    // The extension object itself.
    const key = keyIn(doc, path.urn!);
    if (op === 'remove') delete doc[key];
    else if (isObject(value)) Object.assign(container, value);
    else throw invalidValue(`the value for "${path.urn}" must be an object`);
    return;
  }

  const key = keyIn(container, name);
  const def = resolved.def;
  if (path.sub === undefined && !path.filter) value = complexFromShorthand(def, value);
  const multiValued = def?.multiValued ?? Array.isArray(container[key]);

  if (path.filter) {
    applyFiltered(kind, container, key, def, op, path.filter, path.sub, value);
  } else if (path.sub !== undefined) {
    const subDef = subAttribute(def, path.sub);
    const subName = subDef?.name ?? path.sub;
    const current = container[key];
    if (Array.isArray(current) || (multiValued && current === undefined)) {
      const list = (Array.isArray(current) ? current : []).filter(isObject);
      if (op === 'remove') list.forEach((element) => delete element[keyIn(element, subName)]);
      else if (list.length === 0) container[key] = [{ [subName]: value }];
      else list.forEach((element) => (element[keyIn(element, subName)] = value));
      return;
    }
    if (op === 'remove') {
      if (isObject(current)) {
        delete current[keyIn(current, subName)];
        if (Object.keys(current).length === 0) delete container[key];
      }
      return;
    }
    const target = isObject(current) ? current : (container[key] = {} as Json);
    target[keyIn(target, subName)] = value;
  } else if (op === 'remove') {
    if (multiValued && value !== undefined && value !== null && Array.isArray(container[key])) {
      // Entra removes listed values with {path: "emails", value: [...]}: drop those, not the whole attribute.
      const drop = (Array.isArray(value) ? value : [value]).map(identity);
      const kept = (container[key] as unknown[]).filter((element) => !drop.includes(identity(element)));
      if (kept.length === 0) delete container[key];
      else container[key] = kept;
    } else {
      delete container[key];
    }
  } else if (multiValued) {
    const incoming = Array.isArray(value) ? value : [value];
    if (op === 'replace') {
      container[key] = clone(incoming);
    } else {
      const current = Array.isArray(container[key]) ? (container[key] as unknown[]) : [];
      if (incoming.some((v) => isObject(v) && (v.primary === true || v.primary === 'True' || v.primary === 'true'))) {
        current.forEach((element) => isObject(element) && element.primary === true && (element.primary = false));
      }
      const seen = new Set(current.map(identity));
      for (const element of incoming) if (!seen.has(identity(element))) current.push(clone(element));
      container[key] = current;
    }
  } else if (def?.type === 'complex' || (isObject(value) && isObject(container[key]))) {
    // RFC 7644 §3.5.2.1/§3.5.2.3: sub-attributes not given are left unchanged.
    if (!isObject(value)) throw invalidValue(`"${name}" is complex: its value must be an object`);
    const current = isObject(container[key]) ? (container[key] as Json) : {};
    for (const [subKey, subValue] of Object.entries(value)) current[keyIn(current, subKey)] = subValue;
    container[key] = current;
  } else {
    container[key] = value;
  }
}

/** Identity of a multi-valued element: its `value` when it has one (compared case-insensitively), else its JSON. */
function identity(element: unknown): string {
  if (isObject(element)) {
    const v = getCi(element, 'value');
    if (v !== undefined) return `v:${typeof v === 'string' ? v.toLowerCase() : JSON.stringify(v)}:${String(getCi(element, 'type') ?? '')}`;
    return `j:${JSON.stringify(element)}`;
  }
  return `s:${typeof element === 'string' ? element.toLowerCase() : JSON.stringify(element)}`;
}

function applyFiltered(kind: ResourceKind, container: Json, key: string, def: AttributeDef | undefined, op: PatchOpName, filter: Filter, sub: string | undefined, value: unknown): void {
  const list = Array.isArray(container[key]) ? (container[key] as unknown[]) : [];
  const parent: AttributeDef = def ?? { name: key, type: 'complex', multiValued: true, description: '', required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none' };
  const matched = list.filter((element): element is Json => isObject(element) && matches(filter, element, kind, parent));
  const subName = sub === undefined ? undefined : (subAttribute(def, sub)?.name ?? sub);
  if (op === 'remove') {
    if (subName === undefined) {
      const kept = list.filter((element) => !matched.includes(element as Json));
      if (kept.length === 0) delete container[key];
      else container[key] = kept;
    } else {
      matched.forEach((element) => delete element[keyIn(element, subName)]);
    }
    return;
  }
  if (matched.length === 0) {
    // Entra: `emails[type eq "work"].value` on a user without a work email creates that email.
    const seed = equalities(filter);
    if (seed === undefined) throw noTarget(`no value of "${key}" matches the filter, and the filter does not describe a new value`);
    const element: Json = subName === undefined ? { ...seed, ...(isObject(value) ? value : { value }) } : { ...seed, [subName]: value };
    container[key] = [...list, element];
    return;
  }
  for (const element of matched) {
    if (subName !== undefined) {
      element[keyIn(element, subName)] = value;
    } else {
      if (!isObject(value)) throw invalidValue(`the value for "${key}[...]" must be an object`);
      for (const k of Object.keys(element)) delete element[k];
      Object.assign(element, value);
    }
  }
}

/** The `a eq v` conjuncts of a filter, or undefined when the filter is not a plain conjunction of equalities. */
function equalities(filter: Filter): Json | undefined {
  if (filter.op === 'eq' && filter.path.sub === undefined && filter.path.urn === undefined) return { [filter.path.attr]: filter.value };
  if (filter.op === 'and') {
    const left = equalities(filter.left);
    const right = equalities(filter.right);
    return left && right ? { ...left, ...right } : undefined;
  }
  return undefined;
}
