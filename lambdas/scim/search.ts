import type { Clock } from '../core/clock';
import { InvalidInputError } from '../core/errors';
import type { TenantId } from '../core/ids';
import type { Page, PageRequest } from '../core/paging';
import type { EphemeralStore } from '../core/sessions/ports';
import type { ListQuery, ScimContext, ScimResponse } from './context';
import { LIMITS } from './discovery';
import { parseFilter, type Filter } from './filter';
import { checkFilterAttributes, matches, type Json } from './filter-eval';
import { indexPage } from './listing';
import { membershipRefs } from './memberships';
import { parseProjection, type Projection } from './projection';
import { type ResourceKind, SCHEMA } from './schema';
import { invalidValue, ScimError, tooMany } from './scim-error';

/** What a list or search needs of one resource type (users, groups): each module answers for its own kind. */
export interface SearchableResource<T extends { readonly id: string }> {
  readonly kind: ResourceKind;
  /** The resource's repository, for counts and keyset pages. */
  readonly store: { count(tenantId: TenantId): Promise<number>; list(tenantId: TenantId, page: PageRequest): Promise<Page<T>> };
  /** Candidates for `attr eq value` (lowercased `attr(.sub)`) through an index, or undefined when none serves it. */
  findIndexed(tenantId: TenantId, attr: string, value: string): Promise<T[] | undefined>;
  /** The JSON a filter is evaluated on; `refs` are the membership ids the filter names, answered from membership items. */
  filterDocuments(ctx: ScimContext, resources: T[], refs: string[]): Promise<Json[]>;
  renderList(ctx: ScimContext, resources: T[], projection: Projection): Promise<Json[]>;
}

/** Per resource type: how messages name several, the attribute holding memberships, what `findIndexed` serves. */
const FILTERING: Record<ResourceKind, { plural: string; membershipAttribute: 'groups' | 'members'; indexedAttributes: string }> = {
  User: { plural: 'users', membershipAttribute: 'groups', indexedAttributes: 'userName, externalId, id, emails.value' },
  Group: { plural: 'groups', membershipAttribute: 'members', indexedAttributes: 'displayName, externalId, id, members.value' },
};

function parseIntParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw invalidValue(`"${name}" must be an integer, got "${value}"`);
  return Number(value);
}

/** GET /Users, GET /Groups and their POST /.search: filter, index or cursor pagination, projection. */
export class Search {
  constructor(private readonly deps: { readonly ephemeral: EphemeralStore; readonly clock: Clock }) {}

  async list<T extends { readonly id: string }>(resource: SearchableResource<T>, ctx: ScimContext, query: ListQuery): Promise<ScimResponse> {
    const projection = parseProjection(resource.kind, query.attributes, query.excludedAttributes);
    const count = Math.min(Math.max(parseIntParam('count', query.count) ?? 100, 0), LIMITS.maxResults);
    const startIndex = Math.max(parseIntParam('startIndex', query.startIndex) ?? 1, 1);
    const cursorMode = query.cursor !== undefined;
    if (cursorMode && query.startIndex !== undefined) throw invalidValue('use either startIndex or cursor, not both (RFC 9865)');
    const filter = query.filter !== undefined && query.filter.trim() !== '' ? parseFilter(query.filter) : undefined;

    let resources: T[];
    let total: number;
    let nextCursor: string | undefined;
    if (filter) {
      const all = await this.filtered(resource, ctx, filter);
      total = all.length;
      const offset = cursorMode ? decodeOffsetCursor(query.cursor!) : startIndex - 1;
      resources = all.slice(offset, offset + count);
      if (cursorMode && offset + resources.length < total) nextCursor = `o.${offset + resources.length}`;
    } else {
      total = await resource.store.count(ctx.tenantId);
      const lister = (page: PageRequest) => resource.store.list(ctx.tenantId, page);
      if (count === 0) {
        resources = [];
      } else if (cursorMode) {
        const page = await pageAt(lister, count, query.cursor!);
        resources = page.items;
        nextCursor = page.cursor;
      } else {
        resources = startIndex > total ? [] : await indexPage(this.deps.ephemeral, this.deps.clock.now(), ctx.tenantId, resource.kind, startIndex, count, lister);
      }
    }

    const rendered = await resource.renderList(ctx, resources, projection);
    const body: Json = { schemas: [SCHEMA.listResponse], totalResults: total, itemsPerPage: rendered.length };
    if (!cursorMode) body.startIndex = startIndex;
    if (nextCursor) body.nextCursor = nextCursor;
    body.Resources = rendered;
    return { status: 200, body };
  }

  /** Every match of a filter: through an index when one applies, else over the tenant's resources (bounded). */
  private async filtered<T extends { readonly id: string }>(resource: SearchableResource<T>, ctx: ScimContext, filter: Filter): Promise<T[]> {
    const facts = FILTERING[resource.kind];
    checkFilterAttributes(filter, resource.kind);
    const refs = membershipRefs(facts.membershipAttribute, filter);
    let candidates = await indexed(resource, ctx.tenantId, filter);
    if (candidates === undefined) {
      const total = await resource.store.count(ctx.tenantId);
      if (total > LIMITS.maxFilterScan) {
        throw tooMany(
          `this filter is not served by an index and this tenant has ${total} ${facts.plural}: non-indexed filters are evaluated over at most ${LIMITS.maxFilterScan}. Indexed: ${facts.indexedAttributes} eq`,
        );
      }
      candidates = total === 0 ? [] : (await resource.store.list(ctx.tenantId, { limit: LIMITS.maxFilterScan })).items;
    }
    const unique = [...new Map(candidates.map((c) => [c.id, c])).values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const docs = await resource.filterDocuments(ctx, unique, refs);
    return unique.filter((_, i) => matches(filter, docs[i]!, resource.kind));
  }
}

/** A keyset page; a cursor of another listing or tenant is 400 invalidCursor (RFC 9865). */
async function pageAt<T>(lister: (page: PageRequest) => Promise<Page<T>>, count: number, cursor: string): Promise<Page<T>> {
  try {
    return await lister({ limit: count, ...(cursor ? { cursor } : {}) });
  } catch (error) {
    if (error instanceof InvalidInputError) throw new ScimError(400, 'invalidCursor', error.message, { cause: error });
    throw error;
  }
}

/** Candidates from an index (a superset of the matches), or undefined when no index serves the filter. */
async function indexed<T extends { readonly id: string }>(resource: SearchableResource<T>, tenantId: TenantId, filter: Filter): Promise<T[] | undefined> {
  if (filter.op === 'and') return (await indexed(resource, tenantId, filter.left)) ?? indexed(resource, tenantId, filter.right);
  if (filter.op === 'or') {
    const left = await indexed(resource, tenantId, filter.left);
    if (left === undefined) return undefined;
    const right = await indexed(resource, tenantId, filter.right);
    return right === undefined ? undefined : [...left, ...right];
  }
  const eq = equalityOf(filter);
  return eq ? resource.findIndexed(tenantId, eq.attr, eq.value) : undefined;
}

/** `attr eq "string"` on a top-level or sub-attribute (also `emails[value eq …]`), lowercased `attr(.sub)`. */
function equalityOf(filter: Filter): { attr: string; value: string } | undefined {
  if (filter.op === 'valuePath') {
    const inner = filter.filter;
    if (inner.op === 'eq' && typeof inner.value === 'string' && inner.path.sub === undefined && inner.path.attr.toLowerCase() === 'value' && filter.path.urn === undefined) {
      return { attr: `${filter.path.attr.toLowerCase()}.value`, value: inner.value };
    }
    if (inner.op === 'and') return equalityOf({ op: 'valuePath', path: filter.path, filter: inner.left }) ?? equalityOf({ op: 'valuePath', path: filter.path, filter: inner.right });
    return undefined;
  }
  if (filter.op !== 'eq' || typeof filter.value !== 'string') return undefined;
  if (filter.path.urn !== undefined && !/:core:2\.0:(User|Group)$/i.test(filter.path.urn)) return undefined;
  const attr = filter.path.attr.toLowerCase();
  const sub = filter.path.sub?.toLowerCase();
  if ((attr === 'emails' || attr === 'members') && (sub === undefined || sub === 'value')) return { attr: `${attr}.value`, value: filter.value };
  return sub === undefined ? { attr, value: filter.value } : undefined;
}

function decodeOffsetCursor(cursor: string): number {
  if (cursor === '') return 0;
  const match = /^o\.(\d{1,7})$/.exec(cursor);
  if (!match) throw new ScimError(400, 'invalidCursor', 'the cursor is not valid for this filtered listing: start again with cursor=');
  return Number(match[1]);
}
