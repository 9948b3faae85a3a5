import type { Group } from '../core/identity/group';
import type { Email, PersonName, User } from '../core/identity/user';
import { getCi, isObject, type Json } from './filter-eval';
import { type AttributeDef, CORE_SCHEMA, EXTENSIONS, type ResourceKind, SCHEMA, complexFromShorthand, extensionDefs, resolveAttribute, subAttribute } from './schema';
import { invalidValue } from './scim-error';

export const etagOf = (version: number): string => `W/"${version}"`;

/** 300 KB: a DynamoDB item holds 400 KB with its keys and lookup attributes. */
const MAX_RESOURCE_BYTES = 300_000;
function checkSize(kind: ResourceKind, fields: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(fields), 'utf8');
  if (bytes > MAX_RESOURCE_BYTES) throw invalidValue(`a ${kind} may hold at most ${MAX_RESOURCE_BYTES} bytes of attributes, this one has ${bytes}`);
}

/** Attributes a client may send but that the server owns: ignored on input (Okta PUTs send them back). */
const SERVER_OWNED: Record<ResourceKind, Set<string>> = {
  User: new Set(['id', 'meta', 'groups', 'schemas', 'password']),
  Group: new Set(['id', 'meta', 'schemas']),
};

function coerce(value: unknown, def: AttributeDef | undefined): unknown {
  if (!def) return value;
  if (def.multiValued && value !== null && value !== undefined && !Array.isArray(value)) value = [value];
  if (Array.isArray(value)) return value.map((element) => coerceSingle(element, def));
  return coerceSingle(value, def);
}

function coerceSingle(input: unknown, def: AttributeDef): unknown {
  const value = complexFromShorthand(def, input);
  // Entra sends booleans as "True"/"False".
  if (def.type === 'boolean' && typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw invalidValue(`"${def.name}" must be a boolean, got "${value}"`);
  }
  if (def.type === 'complex' && isObject(value)) {
    const out: Json = {};
    for (const [key, inner] of Object.entries(value)) {
      const sub = subAttribute(def, key);
      out[sub?.name ?? key] = sub ? coerce(inner, sub) : inner;
    }
    return out;
  }
  return value;
}

/**
 * Canonical attribute names (case-insensitive on input), booleans coerced, extension objects keyed by
 * their canonical URN, server-owned attributes dropped. Unknown attributes are kept as sent.
 */
export function normaliseResource(kind: ResourceKind, input: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(input)) {
    if (key.toLowerCase() === 'schemas' || SERVER_OWNED[kind].has(resolveAttribute(kind, key).name)) continue;
    if (/^urn:/i.test(key)) {
      const ext = extensionDefs(kind, key);
      const urn = EXTENSIONS[kind].find((u) => u.toLowerCase() === key.toLowerCase()) ?? key;
      if (urn.toLowerCase() === CORE_SCHEMA[kind].toLowerCase() && isObject(value)) {
        Object.assign(out, normaliseResource(kind, value));
        continue;
      }
      if (isObject(value)) {
        const inner: Json = {};
        for (const [k, v] of Object.entries(value)) {
          const def = ext?.get(k.toLowerCase());
          inner[def?.name ?? k] = coerce(v, def);
        }
        out[urn] = inner;
      } else {
        out[urn] = value;
      }
      continue;
    }
    const { def, name } = resolveAttribute(kind, key);
    out[name] = coerce(value, def);
  }
  return out;
}

const stringOrUndefined = (value: unknown, name: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidValue(`"${name}" must be a string`);
  return value;
};

export interface UserFields {
  userName: string;
  externalId?: string;
  active: boolean;
  displayName?: string;
  name?: PersonName;
  emails: Email[];
  profile: Record<string, unknown>;
}

const NAME_KEYS = ['formatted', 'givenName', 'familyName', 'middleName', 'honorificPrefix', 'honorificSuffix'] as const;

/** A normalised SCIM User body (POST, PUT, or the result of a PATCH) as the domain's fields. */
export function userFieldsFromScim(input: Json, defaults: { active: boolean }): UserFields {
  const body = normaliseResource('User', input);
  const { userName, externalId, active, displayName, name, emails, ...rest } = body;
  if (typeof userName !== 'string' || userName.trim() === '') throw invalidValue('"userName" is required and must be a non-empty string');
  if (userName.length > 256) throw invalidValue('"userName" is longer than 256 characters');
  if (active !== undefined && active !== null && typeof active !== 'boolean') throw invalidValue('"active" must be a boolean');
  let personName: PersonName | undefined;
  let nameExtra: Json = {};
  if (name !== undefined && name !== null) {
    if (!isObject(name)) throw invalidValue('"name" must be an object');
    const picked: Record<string, string> = {};
    for (const key of NAME_KEYS) {
      const v = stringOrUndefined(name[key], `name.${key}`);
      if (v !== undefined) picked[key] = v;
    }
    personName = picked;
    nameExtra = Object.fromEntries(Object.entries(name).filter(([k]) => !(NAME_KEYS as readonly string[]).includes(k)));
  }
  const emailList: Email[] = [];
  if (emails !== undefined && emails !== null) {
    if (!Array.isArray(emails)) throw invalidValue('"emails" must be an array');
    for (const email of emails) {
      if (!isObject(email) || typeof email.value !== 'string') throw invalidValue('each of "emails" needs a string "value"');
      emailList.push({
        value: email.value,
        ...(typeof email.type === 'string' ? { type: email.type } : {}),
        ...(typeof email.primary === 'boolean' ? { primary: email.primary } : {}),
        ...(typeof email.display === 'string' ? { display: email.display } : {}),
      });
    }
  }
  const profile: Json = { ...rest };
  if (Object.keys(nameExtra).length > 0) profile['name'] = nameExtra;
  checkSize('User', body);
  return {
    userName: userName.trim(),
    externalId: stringOrUndefined(externalId, 'externalId'),
    active: typeof active === 'boolean' ? active : defaults.active,
    displayName: stringOrUndefined(displayName, 'displayName'),
    name: personName,
    emails: emailList,
    profile,
  };
}

export interface Links {
  /** `${publicBaseUrl}/scim/v2/${tenantId}` */
  readonly base: string;
}

export interface GroupRef {
  readonly value: string;
  readonly display?: string;
}

/** The User as served, without `groups` unless given. Key order follows RFC 7643 §8.2's example. */
export function userToScim(user: User, links: Links, groups?: GroupRef[]): Json {
  const { name: nameExtra, ...profile } = user.profile as Json & { name?: unknown };
  const schemas: string[] = [SCHEMA.user, ...Object.keys(profile).filter((key) => /^urn:/i.test(key) && isObject(profile[key]))];
  const out: Json = { schemas, id: user.id };
  if (user.externalId !== undefined) out.externalId = user.externalId;
  out.userName = user.userName;
  const name = { ...(isObject(nameExtra) ? nameExtra : {}), ...user.name };
  if (Object.keys(name).length > 0) out.name = name;
  if (user.displayName !== undefined) out.displayName = user.displayName;
  if (user.emails.length > 0) out.emails = user.emails.map((email) => ({ ...email }));
  out.active = user.active;
  Object.assign(out, profile);
  if (groups) out.groups = groups.map((group) => ({ value: group.value, $ref: `${links.base}/Groups/${group.value}`, display: group.display, type: 'direct' }));
  out.meta = {
    resourceType: 'User',
    created: user.createdAt,
    lastModified: user.updatedAt,
    location: `${links.base}/Users/${user.id}`,
    version: etagOf(user.version),
  };
  return out;
}

export interface MemberRef {
  readonly value: string;
  readonly display?: string;
}

export function groupToScim(group: Group, links: Links, members?: MemberRef[]): Json {
  const out: Json = { schemas: [SCHEMA.group, ...Object.keys(group.profile).filter((key) => /^urn:/i.test(key))], id: group.id };
  if (group.externalId !== undefined) out.externalId = group.externalId;
  out.displayName = group.displayName;
  Object.assign(out, group.profile);
  if (members) {
    out.members = members.map((member) => ({ value: member.value, $ref: `${links.base}/Users/${member.value}`, type: 'User', ...(member.display ? { display: member.display } : {}) }));
  }
  out.meta = {
    resourceType: 'Group',
    created: group.createdAt,
    lastModified: group.updatedAt,
    location: `${links.base}/Groups/${group.id}`,
    version: etagOf(group.version),
  };
  return out;
}

export interface GroupFields {
  displayName: string;
  externalId?: string;
  profile: Record<string, unknown>;
  /** Member ids when the body had `members` (absent: not given). */
  members?: string[];
}

export function memberIdsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.map((member) => {
    if (isObject(member) && typeof getCi(member, 'value') === 'string') return getCi(member, 'value') as string;
    if (typeof member === 'string') return member;
    throw invalidValue('each member needs a string "value" (the id of a user)');
  });
}

export function groupFieldsFromScim(input: Json): GroupFields {
  const membersRaw = getCi(input, 'members');
  const body = normaliseResource('Group', input);
  const { displayName, externalId, members: _members, ...profile } = body;
  if (typeof displayName !== 'string' || displayName.trim() === '') throw invalidValue('"displayName" is required and must be a non-empty string');
  if (displayName.length > 256) throw invalidValue('"displayName" is longer than 256 characters');
  checkSize('Group', profile);
  return {
    displayName,
    externalId: stringOrUndefined(externalId, 'externalId'),
    profile,
    ...(membersRaw !== undefined && membersRaw !== null ? { members: memberIdsOf(membersRaw) } : {}),
  };
}
