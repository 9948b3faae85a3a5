/**
 * The attribute definitions we serve (RFC 7643 §4, §8.7): used by /Schemas, by the filter evaluator
 * (case-exactness, types), by the PATCH engine (multi-valued, complex, mutability) and by input
 * normalisation (canonical attribute names, Entra's string booleans).
 */

/** Declared here (schema descriptions state them) and enforced through discovery's LIMITS. */
export const MAX_INLINE_MEMBERS = 990;
export const LIST_INLINE_MEMBERS = 4000;

export const SCHEMA = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';

export interface AttributeDef {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: 'none' | 'server' | 'global';
  readonly canonicalValues?: string[];
  readonly referenceTypes?: string[];
  readonly subAttributes?: AttributeDef[];
}

type Options = Partial<Omit<AttributeDef, 'name' | 'type' | 'subAttributes'>>;
const attr = (name: string, type: AttributeType, description: string, options: Options = {}, subAttributes?: AttributeDef[]): AttributeDef => ({
  name,
  type,
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...options,
  ...(subAttributes ? { subAttributes } : {}),
});

const multiValuedSubs = (valueDescription: string, types: string[], valueType: AttributeType = 'string'): AttributeDef[] => [
  attr('value', valueType, valueDescription),
  attr('display', 'string', 'A human-readable name, primarily used for display purposes.'),
  attr('type', 'string', 'A label indicating the attribute\'s function.', { canonicalValues: types }),
  attr('primary', 'boolean', 'Indicates the primary or preferred value; at most one value may be primary.'),
];

const idAttr = attr('id', 'string', 'Unique identifier for the resource, assigned by the service provider.', {
  caseExact: true,
  mutability: 'readOnly',
  returned: 'always',
  uniqueness: 'server',
});
const externalIdAttr = attr('externalId', 'string', 'Identifier of the resource as defined by the provisioning client.', { caseExact: true });
const metaAttr = attr('meta', 'complex', 'Resource metadata.', { mutability: 'readOnly' }, [
  attr('resourceType', 'string', 'The name of the resource type.', { caseExact: true, mutability: 'readOnly' }),
  attr('created', 'dateTime', 'When the resource was added.', { mutability: 'readOnly' }),
  attr('lastModified', 'dateTime', 'When the resource was last modified.', { mutability: 'readOnly' }),
  attr('location', 'reference', 'The URI of the resource.', { caseExact: true, mutability: 'readOnly', referenceTypes: ['uri'] }),
  attr('version', 'string', 'The weak ETag of the resource.', { caseExact: true, mutability: 'readOnly' }),
]);

export const USER_ATTRIBUTES: AttributeDef[] = [
  attr('userName', 'string', 'Unique identifier for the user, compared case-insensitively.', { required: true, uniqueness: 'server' }),
  attr('name', 'complex', 'The components of the user\'s name.', {}, [
    attr('formatted', 'string', 'The full name, formatted for display.'),
    attr('familyName', 'string', 'The family name.'),
    attr('givenName', 'string', 'The given name.'),
    attr('middleName', 'string', 'The middle name(s).'),
    attr('honorificPrefix', 'string', 'The honorific prefix(es).'),
    attr('honorificSuffix', 'string', 'The honorific suffix(es).'),
  ]),
  attr('displayName', 'string', 'The name of the user, suitable for display.'),
  attr('nickName', 'string', 'The casual way to address the user.'),
  attr('profileUrl', 'reference', 'A URI of the user\'s online profile.', { referenceTypes: ['external'] }),
  attr('title', 'string', 'The user\'s title.'),
  attr('userType', 'string', 'The relationship between the organization and the user.'),
  attr('preferredLanguage', 'string', 'The user\'s preferred written or spoken language.'),
  attr('locale', 'string', 'The user\'s default location.'),
  attr('timezone', 'string', 'The user\'s time zone (IANA).'),
  attr('active', 'boolean', 'Whether the user may sign in; false deactivates and revokes sessions.'),
  attr('password', 'string', 'Accepted and ignored: this service never stores or returns passwords.', { mutability: 'writeOnly', returned: 'never' }),
  attr('emails', 'complex', 'Email addresses for the user.', { multiValued: true }, multiValuedSubs('Email address.', ['work', 'home', 'other'])),
  attr('phoneNumbers', 'complex', 'Phone numbers for the user.', { multiValued: true }, multiValuedSubs('Phone number.', ['work', 'home', 'mobile', 'fax', 'pager', 'other'])),
  attr('ims', 'complex', 'Instant messaging addresses.', { multiValued: true }, multiValuedSubs('Instant messaging address.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'])),
  attr('photos', 'complex', 'URLs of photos of the user.', { multiValued: true }, multiValuedSubs('URL of a photo.', ['photo', 'thumbnail'], 'reference')),
  attr('addresses', 'complex', 'Physical mailing addresses.', { multiValued: true }, [
    attr('formatted', 'string', 'The full mailing address.'),
    attr('streetAddress', 'string', 'The full street address.'),
    attr('locality', 'string', 'The city or locality.'),
    attr('region', 'string', 'The state or region.'),
    attr('postalCode', 'string', 'The zip or postal code.'),
    attr('country', 'string', 'The country (ISO 3166-1 alpha-2).'),
    attr('type', 'string', 'The kind of address.', { canonicalValues: ['work', 'home', 'other'] }),
    attr('primary', 'boolean', 'The preferred address.'),
  ]),
  attr('groups', 'complex', 'The groups the user belongs to, derived from group memberships (read-only). Returned on single-user responses; on lists only when requested with attributes=groups.', { multiValued: true, mutability: 'readOnly' }, [
    attr('value', 'string', 'The id of the group.', { mutability: 'readOnly', caseExact: true }),
    attr('$ref', 'reference', 'The URI of the group.', { mutability: 'readOnly', caseExact: true, referenceTypes: ['Group'] }),
    attr('display', 'string', 'The displayName of the group.', { mutability: 'readOnly' }),
    attr('type', 'string', 'direct', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
  ]),
  attr('entitlements', 'complex', 'Entitlements of the user.', { multiValued: true }, multiValuedSubs('An entitlement.', [])),
  attr('roles', 'complex', 'Roles of the user.', { multiValued: true }, multiValuedSubs('A role.', [])),
  attr('x509Certificates', 'complex', 'Certificates of the user.', { multiValued: true }, multiValuedSubs('A DER certificate, base64.', [], 'binary')),
];

export const ENTERPRISE_USER_ATTRIBUTES: AttributeDef[] = [
  attr('employeeNumber', 'string', 'Numeric or alphanumeric identifier assigned to a person.'),
  attr('costCenter', 'string', 'Identifies the name of a cost center.'),
  attr('organization', 'string', 'Identifies the name of an organization.'),
  attr('division', 'string', 'Identifies the name of a division.'),
  attr('department', 'string', 'Identifies the name of a department.'),
  attr('manager', 'complex', 'The user\'s manager.', {}, [
    attr('value', 'string', 'The id of the manager.', { caseExact: true }),
    attr('$ref', 'reference', 'The URI of the manager.', { referenceTypes: ['User'] }),
    attr('displayName', 'string', 'The displayName of the manager.', { mutability: 'readOnly' }),
  ]),
];

export const GROUP_ATTRIBUTES: AttributeDef[] = [
  attr('displayName', 'string', 'A human-readable name for the group.', { required: true }),
  attr('members', 'complex', `Members of the group (users). Returned inline for groups of at most ${MAX_INLINE_MEMBERS} members; a larger group is returned without members (a read never fails because of a group's size). On lists, groups get their members in page order while the page holds at most ${LIST_INLINE_MEMBERS} members in all; the others are listed without members. Membership can always be tested with the filter members[value eq "id"].`, { multiValued: true }, [
    attr('value', 'string', 'The id of the member.', { caseExact: true, mutability: 'immutable' }),
    attr('$ref', 'reference', 'The URI of the member.', { caseExact: true, mutability: 'immutable', referenceTypes: ['User'] }),
    attr('display', 'string', 'The displayName of the member.', { mutability: 'readOnly' }),
    attr('type', 'string', 'The type of member.', { mutability: 'immutable', canonicalValues: ['User'] }),
  ]),
];

export const COMMON_ATTRIBUTES: AttributeDef[] = [idAttr, externalIdAttr, metaAttr];

export type ResourceKind = 'User' | 'Group';

/** Where an attribute lives in a resource's JSON: a core attribute or one inside an extension object. */
export interface ResolvedAttribute {
  /** Extension URN holding the attribute, or undefined for core/common attributes. */
  readonly extension?: string;
  readonly def?: AttributeDef;
  /** Canonical name (or the client's spelling for an unknown attribute). */
  readonly name: string;
}

const byLowerName = (defs: AttributeDef[]) => new Map(defs.map((def) => [def.name.toLowerCase(), def]));
const CORE_MAPS: Record<ResourceKind, Map<string, AttributeDef>> = {
  User: byLowerName([...COMMON_ATTRIBUTES, ...USER_ATTRIBUTES]),
  Group: byLowerName([...COMMON_ATTRIBUTES, ...GROUP_ATTRIBUTES]),
};
const EXTENSION_MAPS: Record<ResourceKind, Map<string, Map<string, AttributeDef>>> = {
  User: new Map([[SCHEMA.enterpriseUser.toLowerCase(), byLowerName(ENTERPRISE_USER_ATTRIBUTES)]]),
  Group: new Map(),
};
export const CORE_SCHEMA: Record<ResourceKind, string> = { User: SCHEMA.user, Group: SCHEMA.group };
export const EXTENSIONS: Record<ResourceKind, string[]> = { User: [SCHEMA.enterpriseUser], Group: [] };

export const isExtensionUrn = (kind: ResourceKind, urn: string): boolean => EXTENSION_MAPS[kind].has(urn.toLowerCase());
export const canonicalExtensionUrn = (kind: ResourceKind, urn: string): string =>
  EXTENSIONS[kind].find((known) => known.toLowerCase() === urn.toLowerCase()) ?? urn;

/** Resolves an attribute name, optionally inside an extension (`urn` given), case-insensitively. */
export function resolveAttribute(kind: ResourceKind, name: string, urn?: string): ResolvedAttribute {
  if (urn !== undefined && urn.toLowerCase() !== CORE_SCHEMA[kind].toLowerCase()) {
    const ext = EXTENSION_MAPS[kind].get(urn.toLowerCase());
    const def = ext?.get(name.toLowerCase());
    return { extension: canonicalExtensionUrn(kind, urn), def, name: def?.name ?? name };
  }
  const def = CORE_MAPS[kind].get(name.toLowerCase());
  return { def, name: def?.name ?? name };
}

export function subAttribute(def: AttributeDef | undefined, name: string): AttributeDef | undefined {
  return def?.subAttributes?.find((sub) => sub.name.toLowerCase() === name.toLowerCase());
}

/**
 * Entra sends a single-valued complex attribute with a `value` sub-attribute (the enterprise `manager`) as
 * its plain value, `"id"` or `[{"value":"id"}]`: both mean `{"value":"id"}`.
 */
export function complexFromShorthand(def: AttributeDef | undefined, value: unknown): unknown {
  if (def?.type !== 'complex' || def.multiValued || !subAttribute(def, 'value')) return value;
  if (typeof value === 'string') return { value };
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'object' && value[0] !== null) return value[0];
  return value;
}

export function extensionDefs(kind: ResourceKind, urn: string): Map<string, AttributeDef> | undefined {
  return EXTENSION_MAPS[kind].get(urn.toLowerCase());
}

/** Splits `urn:...:User:name.sub` into its schema URN and the attribute path; known URNs match case-insensitively. */
export function splitUrn(kind: ResourceKind, path: string): { urn?: string; rest: string } {
  if (!/^urn:/i.test(path)) return { rest: path };
  const lower = path.toLowerCase();
  for (const urn of [CORE_SCHEMA[kind], ...EXTENSIONS[kind]]) {
    const l = urn.toLowerCase();
    if (lower === l) return { urn, rest: '' };
    if (lower.startsWith(l + ':')) return { urn, rest: path.slice(urn.length + 1) };
  }
  // An unknown extension (`urn:…:acme:2.0:User`): the URN ends with the resource type's name; an attribute may follow.
  const bracket = path.indexOf('[');
  const head = bracket < 0 ? path : path.slice(0, bracket);
  const typed = new RegExp(`^(urn:.+:${kind})(?::(.*))?$`, 'i').exec(head);
  if (typed) return { urn: typed[1]!, rest: path.slice(typed[1]!.length + 1) };
  const colon = head.lastIndexOf(':');
  return { urn: path.slice(0, colon), rest: path.slice(colon + 1) };
}
