import { type AttributeDef, COMMON_ATTRIBUTES, LIST_INLINE_MEMBERS, MAX_INLINE_MEMBERS, ENTERPRISE_USER_ATTRIBUTES, GROUP_ATTRIBUTES, SCHEMA, USER_ATTRIBUTES } from './schema';

/** Limits declared to clients (and enforced by the server). */
export const LIMITS = {
  /**
   * Largest request body accepted (413 above): 1 MiB, well within a Lambda request (6 MiB, and a third more
   * for a body API Gateway passes base64-encoded). What binds is API Gateway's 29 s: a full `replace` of
   * `members` at this size (21,395 ids) must answer in time: its additions are bounded by this size (12.8 s
   * into an empty group on DynamoDB Local; at 4 MiB, before the id checks ran in parallel, 78 s), and its
   * removals past INLINE_REPLACE_REMOVALS finish in the background, whatever the group's size.
   */
  maxPayloadSize: 1_048_576,
  /** `count` above this is lowered to it. */
  maxResults: 200,
  maxOperations: 1000,
  /**
   * Members returned inline on a Group; a larger group is answered without `members` (never an error).
   * With the group's own reads a single-group request stays within 1,000 items.
   */
  maxInlineMembers: MAX_INLINE_MEMBERS,
  /** Members inlined over all the groups of one list page; the groups past it are listed without `members`. */
  listInlineMembers: LIST_INLINE_MEMBERS,
  /** Non-indexed filters are evaluated over at most this many resources (above: 400 tooMany). */
  maxFilterScan: 990,
} as const;

export function serviceProviderConfig(base: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA.serviceProviderConfig],
    documentationUri: 'https://github.com/natoma/natoma-sso/blob/main/lambdas/scim/README.md',
    patch: { supported: true },
    // Bulk is not offered; maxPayloadSize still states the largest body any request may have.
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: LIMITS.maxPayloadSize },
    filter: { supported: true, maxResults: LIMITS.maxResults },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    // RFC 9865 cursor pagination, alongside index pagination.
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: 100,
      maxPageSize: LIMITS.maxResults,
      cursorTimeout: 0,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'A tenant SCIM token (natoma_scim_…) sent as Authorization: Bearer <token>; create it in Admin > SCIM.',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

function schemaResource(id: string, name: string, description: string, attributes: AttributeDef[], base: string): Record<string, unknown> {
  return { schemas: [SCHEMA.schema], id, name, description, attributes, meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` } };
}

export function schemas(base: string): Record<string, unknown>[] {
  return [
    schemaResource(SCHEMA.user, 'User', 'User Account', [...COMMON_ATTRIBUTES.filter((a) => a.name !== 'meta'), ...USER_ATTRIBUTES], base),
    schemaResource(SCHEMA.enterpriseUser, 'EnterpriseUser', 'Enterprise User', ENTERPRISE_USER_ATTRIBUTES, base),
    schemaResource(SCHEMA.group, 'Group', 'Group', [...COMMON_ATTRIBUTES.filter((a) => a.name !== 'meta'), ...GROUP_ATTRIBUTES], base),
  ];
}

export function resourceTypes(base: string): Record<string, unknown>[] {
  return [
    {
      schemas: [SCHEMA.resourceType],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: SCHEMA.user,
      schemaExtensions: [{ schema: SCHEMA.enterpriseUser, required: false }],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
    },
    {
      schemas: [SCHEMA.resourceType],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      schema: SCHEMA.group,
      schemaExtensions: [],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` },
    },
  ];
}
