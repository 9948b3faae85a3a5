import type { UserLifecycle } from '../core/identity/lifecycle';
import type { GroupRepository, UserRepository } from '../core/identity/ports';
import type { User } from '../core/identity/user';
import type { Clock } from '../core/clock';
import { asGroupId, asUserId, newResourceId, type TenantId } from '../core/ids';
import { found, resourceResponse, sameJson, type ListQuery, type ScimContext, type ScimResponse } from './context';
import { isObject, type Json } from './filter-eval';
import type { Memberships } from './memberships';
import { applyPatch, parsePatchRequest } from './patch';
import { parseProjection, project, wants, type Projection } from './projection';
import { userFieldsFromScim, userToScim, type UserFields } from './resources';
import { invalidValue } from './scim-error';
import type { SearchableResource } from './search';
import { checkIfMatch, versionedWrite } from './versioned-write';

export interface ScimUsersDeps {
  readonly users: UserRepository;
  readonly groups: GroupRepository;
  readonly memberships: Memberships;
  readonly lifecycle: UserLifecycle;
  readonly clock: Clock;
}

/** The SCIM User endpoints: wire format in, a core lifecycle step out (deactivation's consequences live in core). */
export class ScimUsers implements SearchableResource<User> {
  readonly kind = 'User';
  readonly store: ScimUsersDeps['users'];

  constructor(private readonly deps: ScimUsersDeps) {
    this.store = deps.users;
  }

  async create(ctx: ScimContext, body: unknown, query: ListQuery): Promise<ScimResponse> {
    if (!isObject(body)) throw invalidValue('the body must be a User object');
    const fields = userFieldsFromScim(body, { active: true });
    const now = this.deps.clock.now().toISOString();
    const user: User = { tenantId: ctx.tenantId, id: asUserId(newResourceId()), ...fields, source: 'scim', isAdmin: false, createdAt: now, updatedAt: now, version: 1 };
    await this.deps.lifecycle.create(user, ctx);
    const projection = parseProjection('User', query.attributes, query.excludedAttributes);
    return resourceResponse(201, project('User', userToScim(user, ctx.links, []), projection), user.version);
  }

  async get(ctx: ScimContext, id: string, query: ListQuery): Promise<ScimResponse> {
    const user = await this.require(ctx.tenantId, id);
    const projection = parseProjection('User', query.attributes, query.excludedAttributes);
    return resourceResponse(200, await this.render(ctx, user, projection, true), user.version);
  }

  async replace(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined, query: ListQuery): Promise<ScimResponse> {
    if (!isObject(body)) throw invalidValue('the body must be a User object');
    return this.write(ctx, id, ifMatch, query, (current) => userFieldsFromScim(body, { active: current.active }));
  }

  async patch(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined, query: ListQuery): Promise<ScimResponse> {
    const operations = parsePatchRequest(body);
    return this.write(ctx, id, ifMatch, query, (current) => userFieldsFromScim(applyPatch('User', userToScim(current, ctx.links), operations), { active: current.active }));
  }

  async delete(ctx: ScimContext, id: string, ifMatch: string | undefined): Promise<ScimResponse> {
    const stored = await this.deps.users.get(ctx.tenantId, asUserId(id));
    if (!stored) await this.deps.lifecycle.endSessionsOfDeleted(ctx.tenantId, asUserId(id));
    const user = found('User', id, stored);
    checkIfMatch(ifMatch, user.version);
    await this.deps.lifecycle.delete(user, ctx);
    return { status: 204 };
  }

  /** Read, compute, one versioned write through the lifecycle; re-read and recompute when someone else wrote first. */
  private async write(ctx: ScimContext, id: string, ifMatch: string | undefined, query: ListQuery, compute: (current: User) => UserFields): Promise<ScimResponse> {
    const projection = parseProjection('User', query.attributes, query.excludedAttributes);
    for (let attempt = 1; ; attempt++) {
      const current = await this.require(ctx.tenantId, id);
      checkIfMatch(ifMatch, current.version);
      const fields = compute(current);
      if (sameJson(comparable(current), comparable(fields))) {
        await this.deps.lifecycle.endLeftoverSessions(current);
        return resourceResponse(200, await this.render(ctx, current, projection, true), current.version);
      }
      const updated: User = { ...current, ...fields, source: 'scim', updatedAt: this.deps.clock.now().toISOString(), version: current.version + 1 };
      if ((await versionedWrite(() => this.deps.lifecycle.replace(current, updated, ctx), ifMatch, attempt)) === 'retry') continue;
      return resourceResponse(200, await this.render(ctx, updated, projection, true), updated.version);
    }
  }

  private async require(tenantId: TenantId, id: string): Promise<User> {
    return found('User', id, await this.deps.users.get(tenantId, asUserId(id)));
  }

  /** `groups` costs a query: on a single user by default, on lists only when asked for (attributes=groups). */
  private async render(ctx: ScimContext, user: User, projection: Projection, withGroupsByDefault: boolean): Promise<Json> {
    const groups = wants('User', projection, 'groups', withGroupsByDefault)
      ? (await this.deps.groups.groupsOfUser(ctx.tenantId, user.id)).map((g) => ({ value: g.id, display: g.displayName }))
      : undefined;
    return project('User', userToScim(user, ctx.links, groups), projection);
  }

  renderList(ctx: ScimContext, users: User[], projection: Projection): Promise<Json[]> {
    return Promise.all(users.map((user) => this.render(ctx, user, projection, false)));
  }

  async findIndexed(tenantId: TenantId, attr: string, value: string): Promise<User[] | undefined> {
    switch (attr) {
      case 'username':
        return optional(await this.deps.users.findByUserName(tenantId, value));
      case 'externalid':
        return this.deps.users.findByExternalId(tenantId, value);
      case 'id':
        return optional(await this.deps.users.get(tenantId, asUserId(value)));
      case 'emails.value':
        return this.deps.users.findByEmail(tenantId, value);
      default:
        return undefined;
    }
  }

  /** Users as JSON, with `groups` holding those of the filter's named groups each user belongs to. */
  async filterDocuments(ctx: ScimContext, users: User[], groupIds: string[]): Promise<Json[]> {
    const docs = users.map((u) => userToScim(u, ctx.links));
    for (const groupId of groupIds) {
      const members = await this.deps.memberships.membersAmong(ctx.tenantId, asGroupId(groupId), users.map((u) => u.id));
      docs.forEach((doc, i) => {
        if (members.has(users[i]!.id)) doc.groups = [...((doc.groups as Json[] | undefined) ?? []), { value: groupId }];
      });
    }
    return docs;
  }
}

const optional = <T>(item: T | undefined): T[] => (item ? [item] : []);

/** The stored attributes a write may change, with absent and empty made equal (a no-op write is not written). */
function comparable(fields: Pick<User, 'userName' | 'externalId' | 'active' | 'displayName' | 'name' | 'emails' | 'profile'>) {
  const { userName, externalId, active, displayName, name, emails, profile } = fields;
  return { userName, externalId: externalId ?? null, active, displayName: displayName ?? null, name: name && Object.keys(name).length ? name : null, emails, profile };
}
