import { randomUUID } from 'node:crypto';
import type { ActivityLog } from '../core/activity/events';
import type { Clock } from '../core/clock';
import { InvalidInputError, PreconditionFailedError } from '../core/errors';
import type { Group } from '../core/identity/group';
import type { GroupRepository, UserRepository } from '../core/identity/ports';
import type { User } from '../core/identity/user';
import { asGroupId, asUserId, newResourceId, type GroupId, type TenantId, type UserId } from '../core/ids';
import type { EphemeralStore, SessionStore } from '../core/sessions/ports';
import { LIMITS } from './discovery';
import { type Filter, parseFilter } from './filter';
import { isObject, matches, type Json } from './filter-eval';
import { indexPage } from './listing';
import { applyPatch, parsePatchRequest, type PatchOpName } from './patch';
import { parseProjection, project, wants, type Projection } from './projection';
import { etagOf, groupFieldsFromScim, groupToScim, memberIdsOf, userFieldsFromScim, userToScim, type Links } from './resources';
import { type ResourceKind, SCHEMA } from './schema';
import { invalidFilter, invalidValue, notFound, ScimError, tooMany } from './scim-error';
import type { PatchPath } from './filter';

export interface ScimServiceDeps {
  readonly users: UserRepository;
  readonly groups: GroupRepository;
  readonly sessions: SessionStore;
  readonly ephemeral: EphemeralStore;
  readonly activity: ActivityLog;
  readonly clock: Clock;
}

/** Who is asking, where, and how to name things in responses. */
export interface ScimContext {
  readonly tenantId: TenantId;
  readonly actor: string;
  readonly links: Links;
  readonly correlationId?: string;
}

export interface ScimResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface ListQuery {
  readonly filter?: string;
  readonly startIndex?: string;
  readonly count?: string;
  readonly cursor?: string;
  readonly attributes?: string;
  readonly excludedAttributes?: string;
}

const WRITE_ATTEMPTS = 10;
/** Jittered pause before re-reading after losing a version race, so that racers spread out. */
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));

/**
 * One versioned write. When another writer got there first, the caller re-reads and recomputes
 * ('retry'), unless If-Match pinned the version or the attempts ran out: then the client gets 412.
 */
async function versionedWrite(write: () => Promise<void>, ifMatch: string | undefined, attempt: number): Promise<'written' | 'retry'> {
  try {
    await write();
    return 'written';
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    if (ifMatch === undefined && attempt < WRITE_ATTEMPTS) {
      await backoff(attempt);
      return 'retry';
    }
    throw new ScimError(412, undefined, error.message, { cause: error });
  }
}
const MAX_MEMBER_REFS_IN_FILTER = 10;

function parseIntParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw invalidValue(`"${name}" must be an integer, got "${value}"`);
  return Number(value);
}

/** If-Match (RFC 7644 §3.14): 412 unless it names the current version (or is `*`). */
function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(',').map((t) => t.trim());
  if (tags.includes('*')) return;
  const current = etagOf(version);
  const strong = `"${version}"`;
  if (!tags.some((tag) => tag === current || tag === strong)) {
    throw new ScimError(412, undefined, `the resource changed: its version is ${current}, the request was based on ${ifMatch}`);
  }
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The SCIM 2.0 resource operations of one tenant, framework-free; the HTTP shell maps them to routes. */
export class ScimService {
  constructor(private readonly deps: ScimServiceDeps) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  private async record(ctx: ScimContext, type: string, target: string, summary: string): Promise<void> {
    await this.deps.activity.record({
      tenantId: ctx.tenantId,
      id: randomUUID(),
      at: this.now(),
      category: 'provisioning',
      type,
      actor: ctx.actor,
      target,
      summary,
      ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
    });
  }

  // ---------------------------------------------------------------- Users

  private async renderUser(ctx: ScimContext, user: User, projection: Projection, withGroupsByDefault: boolean): Promise<Json> {
    const groups = wants('User', projection, 'groups', withGroupsByDefault)
      ? (await this.deps.groups.groupsOfUser(ctx.tenantId, user.id)).map((g) => ({ value: g.id, display: g.displayName }))
      : undefined;
    return project('User', userToScim(user, ctx.links, groups), projection);
  }

  private userResponse(status: number, resource: Json, user: User): ScimResponse {
    const headers: Record<string, string> = { etag: etagOf(user.version) };
    if (status === 201) headers.location = `${(resource.meta as Json | undefined)?.location ?? ''}`;
    return { status, body: resource, headers };
  }

  private async requireUser(ctx: ScimContext, id: string): Promise<User> {
    const user = await this.deps.users.get(ctx.tenantId, asUserId(id));
    if (!user) throw notFound(`User ${id} not found`);
    return user;
  }

  async createUser(ctx: ScimContext, body: unknown, query: ListQuery): Promise<ScimResponse> {
    if (!isObject(body)) throw invalidValue('the body must be a User object');
    const fields = userFieldsFromScim(body, { active: true });
    const now = this.now();
    const user: User = { tenantId: ctx.tenantId, id: asUserId(newResourceId()), ...fields, source: 'scim', isAdmin: false, createdAt: now, updatedAt: now, version: 1 };
    await this.deps.users.create(user);
    await this.record(ctx, 'user.created', `user:${user.id}`, `User ${user.userName} created${user.active ? '' : ' (inactive)'}`);
    const projection = parseProjection('User', query.attributes, query.excludedAttributes);
    return this.userResponse(201, project('User', userToScim(user, ctx.links, []), projection), user);
  }

  async getUser(ctx: ScimContext, id: string, query: ListQuery): Promise<ScimResponse> {
    const user = await this.requireUser(ctx, id);
    const projection = parseProjection('User', query.attributes, query.excludedAttributes);
    return this.userResponse(200, await this.renderUser(ctx, user, projection, true), user);
  }

  async replaceUser(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined, query: ListQuery): Promise<ScimResponse> {
    if (!isObject(body)) throw invalidValue('the body must be a User object');
    return this.writeUser(ctx, id, ifMatch, query, (current) => userFieldsFromScim(body, { active: current.active }));
  }

  async patchUser(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined, query: ListQuery): Promise<ScimResponse> {
    const operations = parsePatchRequest(body);
    return this.writeUser(ctx, id, ifMatch, query, (current) => {
      const patched = applyPatch('User', userToScim(current, ctx.links), operations);
      return userFieldsFromScim(patched, { active: current.active });
    });
  }

  /** Read, compute, one versioned write; re-read and recompute when someone else wrote first (unless If-Match pinned a version). */
  private async writeUser(ctx: ScimContext, id: string, ifMatch: string | undefined, query: ListQuery, compute: (current: User) => ReturnType<typeof userFieldsFromScim>): Promise<ScimResponse> {
    const projection = parseProjection('User', query.attributes, query.excludedAttributes);
    for (let attempt = 1; ; attempt++) {
      const current = await this.requireUser(ctx, id);
      checkIfMatch(ifMatch, current.version);
      const fields = compute(current);
      const before = { userName: current.userName, externalId: current.externalId, active: current.active, displayName: current.displayName, name: current.name, emails: current.emails, profile: current.profile };
      if (sameJson(normalisedFields(before), normalisedFields(fields))) {
        return this.userResponse(200, await this.renderUser(ctx, current, projection, true), current);
      }
      const updated: User = { ...current, ...fields, source: 'scim', updatedAt: this.now(), version: current.version + 1 };
      if ((await versionedWrite(() => this.deps.users.replace(updated, current.version), ifMatch, attempt)) === 'retry') continue;
      await this.afterUserChange(ctx, current, updated);
      return this.userResponse(200, await this.renderUser(ctx, updated, projection, true), updated);
    }
  }

  private async afterUserChange(ctx: ScimContext, before: User, after: User): Promise<void> {
    if (before.active && !after.active) {
      // Deactivation ends every session now; the SAML side refuses inactive users at sign-in.
      const revoked = await this.deps.sessions.revokeAllOfUser(ctx.tenantId, after.id);
      await this.record(ctx, 'user.deactivated', `user:${after.id}`, `User ${after.userName} deactivated; ${revoked} session(s) revoked`);
    } else if (!before.active && after.active) {
      await this.record(ctx, 'user.reactivated', `user:${after.id}`, `User ${after.userName} reactivated`);
    }
    const changed = changedAttributes(before, after);
    if (changed.length > 0) await this.record(ctx, 'user.updated', `user:${after.id}`, `User ${after.userName} updated: ${changed.join(', ')}`);
  }

  async deleteUser(ctx: ScimContext, id: string, ifMatch: string | undefined): Promise<ScimResponse> {
    const user = await this.requireUser(ctx, id);
    checkIfMatch(ifMatch, user.version);
    await this.deps.users.delete(ctx.tenantId, user.id);
    await this.deps.sessions.revokeAllOfUser(ctx.tenantId, user.id);
    await this.record(ctx, 'user.deleted', `user:${user.id}`, `User ${user.userName} deleted`);
    return { status: 204 };
  }

  // ---------------------------------------------------------------- Groups

  private async requireGroup(ctx: ScimContext, id: string): Promise<Group> {
    const group = await this.deps.groups.get(ctx.tenantId, asGroupId(id));
    if (!group) throw notFound(`Group ${id} not found`);
    return group;
  }

  /** Members inline, or 400 tooMany past LIMITS.maxInlineMembers (asked explicitly or by default on one group). */
  private async memberRefs(ctx: ScimContext, group: Group): Promise<{ value: string }[]> {
    if (group.memberCount > LIMITS.maxInlineMembers) {
      throw tooMany(
        `group ${group.id} has ${group.memberCount} members, more than the ${LIMITS.maxInlineMembers} returned inline: ask with excludedAttributes=members, and test a membership with filter=id eq "${group.id}" and members[value eq "<user id>"]`,
      );
    }
    if (group.memberCount === 0) return [];
    const page = await this.deps.groups.listMembers(ctx.tenantId, group.id, { limit: LIMITS.maxInlineMembers });
    return page.items.map((value) => ({ value }));
  }

  private async renderGroup(ctx: ScimContext, group: Group, projection: Projection, membersByDefault: boolean): Promise<Json> {
    const members = wants('Group', projection, 'members', membersByDefault) ? await this.memberRefs(ctx, group) : undefined;
    return project('Group', groupToScim(group, ctx.links, members), projection);
  }

  private groupResponse(status: number, resource: Json, group: Group): ScimResponse {
    const headers: Record<string, string> = { etag: etagOf(group.version) };
    if (status === 201) headers.location = `${(resource.meta as Json | undefined)?.location ?? ''}`;
    return { status, body: resource, headers };
  }

  /** The ids that are users of this tenant, or 400 naming the first few that are not. */
  private async requireUsers(ctx: ScimContext, ids: string[]): Promise<UserId[]> {
    const unique = [...new Set(ids)].map(asUserId);
    if (unique.length === 0) return [];
    const found = new Set((await this.deps.users.getMany(ctx.tenantId, unique)).map((u) => u.id));
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length > 0) throw invalidValue(`members must be users of this tenant; unknown: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
    return unique;
  }

  async createGroup(ctx: ScimContext, body: unknown, query: ListQuery): Promise<ScimResponse> {
    if (!isObject(body)) throw invalidValue('the body must be a Group object');
    const fields = groupFieldsFromScim(body);
    const memberIds = await this.requireUsers(ctx, fields.members ?? []);
    const now = this.now();
    let group: Group = { tenantId: ctx.tenantId, id: asGroupId(newResourceId()), displayName: fields.displayName, ...(fields.externalId !== undefined ? { externalId: fields.externalId } : {}), profile: fields.profile, memberCount: 0, createdAt: now, updatedAt: now, version: 1 };
    await this.deps.groups.create(group);
    if (memberIds.length > 0) {
      await this.deps.groups.addMembers(ctx.tenantId, group.id, memberIds);
      group = (await this.deps.groups.get(ctx.tenantId, group.id)) ?? group;
    }
    await this.record(ctx, 'group.created', `group:${group.id}`, `Group ${group.displayName} created with ${memberIds.length} member(s)`);
    const projection = parseProjection('Group', query.attributes, query.excludedAttributes);
    const members = memberIds.length <= LIMITS.maxInlineMembers && wants('Group', projection, 'members', true) ? memberIds.map((value) => ({ value })) : undefined;
    return this.groupResponse(201, project('Group', groupToScim(group, ctx.links, members), projection), group);
  }

  async getGroup(ctx: ScimContext, id: string, query: ListQuery): Promise<ScimResponse> {
    const group = await this.requireGroup(ctx, id);
    const projection = parseProjection('Group', query.attributes, query.excludedAttributes);
    return this.groupResponse(200, await this.renderGroup(ctx, group, projection, true), group);
  }

  async replaceGroup(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined, query: ListQuery): Promise<ScimResponse> {
    if (!isObject(body)) throw invalidValue('the body must be a Group object');
    const fields = groupFieldsFromScim(body);
    const plan: MemberPlan = fields.members === undefined ? emptyPlan() : { ...emptyPlan(), replaceAll: true, adds: new Set(fields.members) };
    return this.writeGroup(ctx, id, ifMatch, query, () => fields, plan, true);
  }

  async patchGroup(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined, query: ListQuery): Promise<ScimResponse> {
    const operations = parsePatchRequest(body);
    let plan = emptyPlan();
    const compute = (current: Group) => {
      plan = emptyPlan();
      const patched = applyPatch('Group', groupToScim(current, ctx.links), operations, (op, path, value) => planMembers(plan, op, path, value));
      return groupFieldsFromScim(patched);
    };
    const projection = query.attributes !== undefined || query.excludedAttributes !== undefined;
    return this.writeGroup(ctx, id, ifMatch, query, compute, () => plan, projection);
  }

  /**
   * Attributes: one versioned write. Members: validated first (every added id must be a user), then
   * written through membership items in transactions, never by rewriting the group.
   */
  private async writeGroup(
    ctx: ScimContext,
    id: string,
    ifMatch: string | undefined,
    query: ListQuery,
    compute: (current: Group) => ReturnType<typeof groupFieldsFromScim>,
    planOf: MemberPlan | (() => MemberPlan),
    respondWithBody: boolean,
  ): Promise<ScimResponse> {
    let current: Group;
    let plan: MemberPlan;
    for (let attempt = 1; ; attempt++) {
      current = await this.requireGroup(ctx, id);
      checkIfMatch(ifMatch, current.version);
      const fields = compute(current);
      plan = typeof planOf === 'function' ? planOf() : planOf;
      await this.requireUsers(ctx, [...plan.adds]);
      const before = { displayName: current.displayName, externalId: current.externalId, profile: current.profile };
      const after = { displayName: fields.displayName, externalId: fields.externalId, profile: fields.profile };
      if (sameJson(before, after)) break;
      const updated: Group = { ...current, displayName: fields.displayName, profile: fields.profile, updatedAt: this.now(), version: current.version + 1 };
      if (fields.externalId === undefined) delete (updated as { externalId?: string }).externalId;
      else (updated as { externalId?: string }).externalId = fields.externalId;
      if ((await versionedWrite(() => this.deps.groups.replace(updated, current.version), ifMatch, attempt)) === 'retry') continue;
      await this.record(ctx, 'group.updated', `group:${id}`, current.displayName === updated.displayName ? `Group ${updated.displayName} updated` : `Group ${current.displayName} renamed to ${updated.displayName}`);
      current = updated;
      break;
    }
    const { added, removed } = await this.applyMembers(ctx, current, plan);
    if (added > 0) await this.record(ctx, 'group.members.added', `group:${id}`, `${added} member(s) added to ${current.displayName}`);
    if (removed > 0) await this.record(ctx, 'group.members.removed', `group:${id}`, `${removed} member(s) removed from ${current.displayName}`);
    const latest = added > 0 || removed > 0 ? ((await this.deps.groups.get(ctx.tenantId, current.id)) ?? current) : current;
    if (!respondWithBody) return { status: 204, headers: { etag: etagOf(latest.version) } };
    const projection = parseProjection('Group', query.attributes, query.excludedAttributes);
    // The write is done: a group past the inline cap is answered without members rather than with an error.
    if (latest.memberCount > LIMITS.maxInlineMembers) return this.groupResponse(200, project('Group', groupToScim(latest, ctx.links), projection), latest);
    return this.groupResponse(200, await this.renderGroup(ctx, latest, projection, true), latest);
  }

  private async applyMembers(ctx: ScimContext, group: Group, plan: MemberPlan): Promise<{ added: number; removed: number }> {
    let removes = [...plan.removes];
    if (plan.replaceAll) {
      // Okta's "full push" (replace of members) needs the current membership: this walk costs in
      // proportion to the group's size, the one group operation that does (documented exception).
      const current: string[] = [];
      let cursor: string | undefined;
      if (group.memberCount > 0) {
        do {
          const page = await this.deps.groups.listMembers(ctx.tenantId, group.id, { limit: 1000, ...(cursor ? { cursor } : {}) });
          current.push(...page.items);
          cursor = page.cursor;
        } while (cursor);
      }
      removes = current.filter((member) => !plan.adds.has(member));
    }
    const adds = [...plan.adds].map(asUserId);
    const removed = removes.length > 0 ? await this.deps.groups.removeMembers(ctx.tenantId, group.id, removes.map(asUserId)) : 0;
    const added = adds.length > 0 ? await this.deps.groups.addMembers(ctx.tenantId, group.id, adds) : 0;
    return { added, removed };
  }

  async deleteGroup(ctx: ScimContext, id: string, ifMatch: string | undefined): Promise<ScimResponse> {
    const group = await this.requireGroup(ctx, id);
    checkIfMatch(ifMatch, group.version);
    await this.deps.groups.delete(ctx.tenantId, group.id);
    await this.record(ctx, 'group.deleted', `group:${group.id}`, `Group ${group.displayName} deleted (${group.memberCount} member(s))`);
    return { status: 204 };
  }

  // ---------------------------------------------------------------- Lists

  async list(ctx: ScimContext, kind: ResourceKind, query: ListQuery): Promise<ScimResponse> {
    const projection = parseProjection(kind, query.attributes, query.excludedAttributes);
    const requestedCount = parseIntParam('count', query.count);
    const count = Math.min(Math.max(requestedCount ?? 100, 0), LIMITS.maxResults);
    const startIndex = Math.max(parseIntParam('startIndex', query.startIndex) ?? 1, 1);
    const cursorMode = query.cursor !== undefined;
    if (cursorMode && query.startIndex !== undefined) throw invalidValue('use either startIndex or cursor, not both (RFC 9865)');
    const filter = query.filter !== undefined && query.filter.trim() !== '' ? parseFilter(query.filter) : undefined;

    let resources: (User | Group)[];
    let total: number;
    let nextCursor: string | undefined;
    if (filter) {
      validateFilter(kind, filter);
      const all = await this.filtered(ctx, kind, filter);
      total = all.length;
      const offset = cursorMode ? decodeOffsetCursor(query.cursor!) : startIndex - 1;
      resources = all.slice(offset, offset + count);
      if (cursorMode && offset + resources.length < total) nextCursor = `o.${offset + resources.length}`;
    } else {
      total = kind === 'User' ? await this.deps.users.count(ctx.tenantId) : await this.deps.groups.count(ctx.tenantId);
      const lister = (page: { limit: number; cursor?: string }) => (kind === 'User' ? this.deps.users.list(ctx.tenantId, page) : this.deps.groups.list(ctx.tenantId, page));
      if (count === 0) {
        resources = [];
      } else if (cursorMode) {
        try {
          const page = await lister({ limit: count, ...(query.cursor ? { cursor: query.cursor } : {}) });
          resources = page.items;
          nextCursor = page.cursor;
        } catch (error) {
          if (error instanceof InvalidInputError) throw new ScimError(400, 'invalidCursor', error.message, { cause: error });
          throw error;
        }
      } else {
        resources = startIndex > total ? [] : await indexPage<User | Group>(this.deps.ephemeral, this.deps.clock.now(), ctx.tenantId, kind, startIndex, count, lister);
      }
    }

    const rendered = kind === 'User' ? await this.renderUsers(ctx, resources as User[], projection) : await this.renderGroups(ctx, resources as Group[], projection);
    const body: Json = { schemas: [SCHEMA.listResponse], totalResults: total, itemsPerPage: rendered.length };
    if (!cursorMode) body.startIndex = startIndex;
    if (nextCursor) body.nextCursor = nextCursor;
    body.Resources = rendered;
    return { status: 200, body };
  }

  private async renderUsers(ctx: ScimContext, users: User[], projection: Projection): Promise<Json[]> {
    // `groups` costs a query per user: on lists it comes only when asked for (attributes=groups).
    return Promise.all(users.map((user) => this.renderUser(ctx, user, projection, false)));
  }

  private async renderGroups(ctx: ScimContext, groups: Group[], projection: Projection): Promise<Json[]> {
    // Members come on lists only when asked for, within one response's budget.
    if (wants('Group', projection, 'members', false)) {
      const total = groups.reduce((sum, g) => sum + g.memberCount, 0);
      // The page itself, the count, and per group its re-read and its members.
      if (total + 2 * groups.length + 2 > LIMITS.readBudget) {
        throw tooMany(`these ${groups.length} groups have ${total} members in all, more than one response returns: lower count or leave members out (excludedAttributes=members)`);
      }
    }
    return Promise.all(groups.map((group) => this.renderGroup(ctx, group, projection, false)));
  }

  /** Every match of a filter: through an index when one applies, else over the tenant's resources (bounded). */
  private async filtered(ctx: ScimContext, kind: ResourceKind, filter: Filter): Promise<(User | Group)[]> {
    let candidates = await this.indexed(ctx, kind, filter);
    if (candidates === undefined) {
      const total = kind === 'User' ? await this.deps.users.count(ctx.tenantId) : await this.deps.groups.count(ctx.tenantId);
      if (total > LIMITS.maxFilterScan) {
        throw tooMany(
          `this filter is not served by an index and this tenant has ${total} ${kind === 'User' ? 'users' : 'groups'}: non-indexed filters are evaluated over at most ${LIMITS.maxFilterScan}. Indexed: ${kind === 'User' ? 'userName, externalId, id, emails.value' : 'displayName, externalId, id, members.value'} eq`,
        );
      }
      candidates = total === 0 ? [] : (await (kind === 'User' ? this.deps.users.list(ctx.tenantId, { limit: LIMITS.maxFilterScan }) : this.deps.groups.list(ctx.tenantId, { limit: LIMITS.maxFilterScan }))).items;
    }
    const unique = [...new Map(candidates.map((c) => [c.id, c])).values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const docs = await this.filterDocuments(ctx, kind, filter, unique);
    return unique.filter((_, i) => matches(filter, docs[i]!, kind));
  }

  /** The JSON a filter is evaluated on; membership predicates are answered from membership items. */
  private async filterDocuments(ctx: ScimContext, kind: ResourceKind, filter: Filter, resources: (User | Group)[]): Promise<Json[]> {
    const refs = membershipRefs(kind, filter);
    if (kind === 'User') {
      const docs = (resources as User[]).map((u) => userToScim(u, ctx.links));
      for (const groupId of refs) {
        const members = new Set(await this.membersAmongAll(ctx, asGroupId(groupId), (resources as User[]).map((u) => u.id)));
        docs.forEach((doc, i) => {
          if (members.has((resources as User[])[i]!.id)) doc.groups = [...((doc.groups as Json[] | undefined) ?? []), { value: groupId }];
        });
      }
      return docs;
    }
    const docs = (resources as Group[]).map((g) => groupToScim(g, ctx.links));
    for (const userId of refs) {
      const groupsOfUser = new Set((await this.deps.groups.groupsOfUser(ctx.tenantId, asUserId(userId))).map((g) => g.id));
      docs.forEach((doc, i) => {
        if (groupsOfUser.has((resources as Group[])[i]!.id)) doc.members = [...((doc.members as Json[] | undefined) ?? []), { value: userId }];
      });
    }
    return docs;
  }

  private async membersAmongAll(ctx: ScimContext, groupId: GroupId, userIds: UserId[]): Promise<UserId[]> {
    const out: UserId[] = [];
    for (let i = 0; i < userIds.length; i += 100) out.push(...(await this.deps.groups.membersAmong(ctx.tenantId, groupId, userIds.slice(i, i + 100))));
    return out;
  }

  /** Candidates from an index (a superset of the matches), or undefined when no index serves the filter. */
  private async indexed(ctx: ScimContext, kind: ResourceKind, filter: Filter): Promise<(User | Group)[] | undefined> {
    if (filter.op === 'and') return (await this.indexed(ctx, kind, filter.left)) ?? this.indexed(ctx, kind, filter.right);
    if (filter.op === 'or') {
      const left = await this.indexed(ctx, kind, filter.left);
      if (left === undefined) return undefined;
      const right = await this.indexed(ctx, kind, filter.right);
      return right === undefined ? undefined : [...left, ...right];
    }
    const eq = equalityOf(filter);
    if (!eq) return undefined;
    const { attr, value } = eq;
    const t = ctx.tenantId;
    if (kind === 'User') {
      switch (attr) {
        case 'username': {
          const user = await this.deps.users.findByUserName(t, value);
          return user ? [user] : [];
        }
        case 'externalid':
          return this.deps.users.findByExternalId(t, value);
        case 'id': {
          const user = await this.deps.users.get(t, asUserId(value));
          return user ? [user] : [];
        }
        case 'emails.value':
          return this.deps.users.findByEmail(t, value);
        default:
          return undefined;
      }
    }
    switch (attr) {
      case 'displayname':
        return this.deps.groups.findByDisplayName(t, value);
      case 'externalid':
        return this.deps.groups.findByExternalId(t, value);
      case 'id': {
        const group = await this.deps.groups.get(t, asGroupId(value));
        return group ? [group] : [];
      }
      case 'members.value':
        return this.deps.groups.groupsOfUser(t, asUserId(value));
      default:
        return undefined;
    }
  }
}

interface MemberPlan {
  replaceAll: boolean;
  adds: Set<string>;
  removes: Set<string>;
}
const emptyPlan = (): MemberPlan => ({ replaceAll: false, adds: new Set(), removes: new Set() });

/** Folds one `members` operation into the net membership change of a PATCH, in order. */
function planMembers(plan: MemberPlan, op: PatchOpName, path: PatchPath, value: unknown): void {
  const add = (ids: string[]) => ids.forEach((id) => (plan.removes.delete(id), plan.adds.add(id)));
  const remove = (ids: string[]) => ids.forEach((id) => (plan.adds.delete(id), plan.replaceAll || plan.removes.add(id)));
  if (path.sub !== undefined) {
    if (op === 'remove' && path.filter) throw invalidValue('members are removed whole: drop the sub-attribute from the path');
    return; // display/$ref/type of a member are not stored
  }
  if (path.filter) {
    const ids = memberValueIds(path.filter);
    if (op === 'remove') remove(ids);
    else {
      remove(ids);
      add(memberIdsOf(value));
    }
    return;
  }
  if (op === 'add') return add(memberIdsOf(value));
  if (op === 'replace') {
    plan.replaceAll = true;
    plan.removes.clear();
    plan.adds = new Set(memberIdsOf(value));
    return;
  }
  // remove: with a value (Entra) only those members, without one every member (RFC 7644 §3.5.2.2).
  if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) return remove(memberIdsOf(value));
  plan.replaceAll = true;
  plan.adds.clear();
  plan.removes.clear();
}

/** `value eq "x"` or an `or` of those: the member ids a filtered members path names. */
function memberValueIds(filter: Filter): string[] {
  if (filter.op === 'or') return [...memberValueIds(filter.left), ...memberValueIds(filter.right)];
  if (filter.op === 'eq' && filter.path.attr.toLowerCase() === 'value' && filter.path.sub === undefined && typeof filter.value === 'string') return [filter.value];
  throw invalidFilter('a members path filter must be value eq "<id>" (or several joined by or)');
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

/**
 * Filters are checked before anything is read: membership predicates must name ids (`members[value eq
 * "id"]`, `groups.value eq "id"`), since evaluating any other form would read whole groups.
 */
function validateFilter(kind: ResourceKind, filter: Filter): void {
  membershipRefs(kind, filter);
}

function membershipRefs(kind: ResourceKind, filter: Filter): string[] {
  const attr = kind === 'User' ? 'groups' : 'members';
  const refs: string[] = [];
  const visit = (f: Filter, inValuePathOf?: string) => {
    switch (f.op) {
      case 'and':
      case 'or':
        visit(f.left, inValuePathOf);
        visit(f.right, inValuePathOf);
        return;
      case 'not':
        visit(f.filter, inValuePathOf);
        return;
      case 'valuePath':
        if (f.path.attr.toLowerCase() === attr) {
          if (f.filter.op !== 'eq' || f.filter.path.attr.toLowerCase() !== 'value' || typeof f.filter.value !== 'string') {
            throw invalidFilter(`filters on ${attr} must be ${attr}[value eq "<id>"]`);
          }
          refs.push(f.filter.value);
        }
        return;
      default:
        if (inValuePathOf === undefined && f.path.attr.toLowerCase() === attr && f.path.urn === undefined) {
          const sub = f.path.sub?.toLowerCase();
          if (f.op !== 'eq' || typeof f.value !== 'string' || (sub !== undefined && sub !== 'value')) throw invalidFilter(`filters on ${attr} must be ${attr}.value eq "<id>"`);
          refs.push(f.value);
        }
    }
  };
  visit(filter);
  if (refs.length > MAX_MEMBER_REFS_IN_FILTER) throw invalidFilter(`a filter may name at most ${MAX_MEMBER_REFS_IN_FILTER} ${attr}`);
  return [...new Set(refs)];
}

function decodeOffsetCursor(cursor: string): number {
  if (cursor === '') return 0;
  const match = /^o\.(\d{1,7})$/.exec(cursor);
  if (!match) throw new ScimError(400, 'invalidCursor', 'the cursor is not valid for this filtered listing: start again with cursor=');
  return Number(match[1]);
}

function normalisedFields(fields: { userName: string; externalId?: string; active: boolean; displayName?: string; name?: unknown; emails: unknown; profile: unknown }) {
  return { ...fields, externalId: fields.externalId ?? null, displayName: fields.displayName ?? null, name: fields.name && Object.keys(fields.name).length ? fields.name : null };
}

function changedAttributes(before: User, after: User): string[] {
  const names: string[] = [];
  for (const key of ['userName', 'externalId', 'displayName', 'name', 'emails'] as const) if (!sameJson(before[key], after[key])) names.push(key);
  const keys = new Set([...Object.keys(before.profile), ...Object.keys(after.profile)]);
  for (const key of keys) if (!sameJson(before.profile[key], after.profile[key])) names.push(key);
  return names;
}

