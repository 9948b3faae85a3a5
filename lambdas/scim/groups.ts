import type { Clock } from '../core/clock';
import type { Group } from '../core/identity/group';
import type { GroupRepository } from '../core/identity/ports';
import type { ProvisioningActivity } from '../core/identity/provisioning-activity';
import { asGroupId, asUserId, newResourceId, type TenantId } from '../core/ids';
import { found, resourceResponse, sameJson, type ListQuery, type ScimContext, type ScimResponse } from './context';
import { LIMITS } from './discovery';
import { isObject, type Json } from './filter-eval';
import { emptyPlan, planMembers, replacementPlan, type MemberPlan, type Memberships } from './memberships';
import { applyPatch, parsePatchRequest } from './patch';
import { parseProjection, project, wants, type Projection } from './projection';
import { etagOf, groupFieldsFromScim, groupToScim, type GroupFields } from './resources';
import { invalidValue } from './scim-error';
import type { SearchableResource } from './search';
import { checkIfMatch, versionedWrite } from './versioned-write';

export interface ScimGroupsDeps {
  readonly groups: GroupRepository;
  readonly memberships: Memberships;
  readonly activity: ProvisioningActivity;
  readonly clock: Clock;
}

/** The SCIM Group endpoints: attributes are one versioned write, members go through membership items. */
export class ScimGroups implements SearchableResource<Group> {
  readonly kind = 'Group';
  readonly store: ScimGroupsDeps['groups'];

  constructor(private readonly deps: ScimGroupsDeps) {
    this.store = deps.groups;
  }

  async create(ctx: ScimContext, body: unknown, query: ListQuery): Promise<ScimResponse> {
    if (!isObject(body)) throw invalidValue('the body must be a Group object');
    const fields = groupFieldsFromScim(body);
    const { known: memberIds, unknown } = await this.deps.memberships.knownUsers(ctx.tenantId, fields.members ?? []);
    const now = this.deps.clock.now().toISOString();
    let group: Group = { tenantId: ctx.tenantId, id: asGroupId(newResourceId()), displayName: fields.displayName, ...(fields.externalId !== undefined ? { externalId: fields.externalId } : {}), profile: fields.profile, memberCount: 0, createdAt: now, updatedAt: now, version: 1 };
    await this.deps.groups.create(group);
    if (memberIds.length > 0) {
      await this.deps.groups.addMembers(ctx.tenantId, group.id, memberIds);
      group = (await this.deps.groups.get(ctx.tenantId, group.id)) ?? group;
    }
    await this.record(ctx, 'group.created', group.id, `Group ${group.displayName} created with ${memberIds.length} member(s)`);
    await this.recordIgnored(ctx, group.id, unknown);
    const projection = parseProjection('Group', query.attributes, query.excludedAttributes);
    const members = memberIds.length <= LIMITS.maxInlineMembers && wants('Group', projection, 'members', true) ? memberIds.map((value) => ({ value })) : undefined;
    return resourceResponse(201, project('Group', groupToScim(group, ctx.links, members), projection), group.version);
  }

  async get(ctx: ScimContext, id: string, query: ListQuery): Promise<ScimResponse> {
    const group = await this.require(ctx.tenantId, id);
    const projection = parseProjection('Group', query.attributes, query.excludedAttributes);
    return resourceResponse(200, await this.render(ctx, group, projection, true), group.version);
  }

  async replace(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined, query: ListQuery): Promise<ScimResponse> {
    if (!isObject(body)) throw invalidValue('the body must be a Group object');
    const fields = groupFieldsFromScim(body);
    return this.write(ctx, id, ifMatch, query, () => ({ fields, plan: replacementPlan(fields.members) }), true);
  }

  /** Answers 204, or 200 with the group when the client asked for attributes (RFC 7644 §3.5.2). */
  async patch(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined, query: ListQuery): Promise<ScimResponse> {
    const operations = parsePatchRequest(body);
    const compute = (current: Group) => {
      const plan = emptyPlan();
      const patched = applyPatch('Group', groupToScim(current, ctx.links), operations, (op, path, value) => planMembers(plan, op, path, value));
      return { fields: groupFieldsFromScim(patched), plan };
    };
    return this.write(ctx, id, ifMatch, query, compute, query.attributes !== undefined || query.excludedAttributes !== undefined);
  }

  async delete(ctx: ScimContext, id: string, ifMatch: string | undefined): Promise<ScimResponse> {
    const group = await this.require(ctx.tenantId, id);
    checkIfMatch(ifMatch, group.version);
    await this.deps.groups.delete(ctx.tenantId, group.id);
    await this.record(ctx, 'group.deleted', group.id, `Group ${group.displayName} deleted (${group.memberCount} member(s))`);
    return { status: 204 };
  }

  /**
   * Attributes: one versioned write. Members: validated first (every added id must be a user), then
   * written through membership items, never by rewriting the group.
   */
  private async write(
    ctx: ScimContext,
    id: string,
    ifMatch: string | undefined,
    query: ListQuery,
    compute: (current: Group) => { fields: GroupFields; plan: MemberPlan },
    respondWithBody: boolean,
  ): Promise<ScimResponse> {
    let current: Group;
    let plan: MemberPlan;
    for (let attempt = 1; ; attempt++) {
      current = await this.require(ctx.tenantId, id);
      checkIfMatch(ifMatch, current.version);
      const computed = compute(current);
      const fields = computed.fields;
      plan = computed.plan;
      const before = { displayName: current.displayName, externalId: current.externalId, profile: current.profile };
      if (sameJson(before, { displayName: fields.displayName, externalId: fields.externalId, profile: fields.profile })) break;
      const { externalId: _previous, ...rest } = current;
      const updated: Group = { ...rest, displayName: fields.displayName, ...(fields.externalId !== undefined ? { externalId: fields.externalId } : {}), profile: fields.profile, updatedAt: this.deps.clock.now().toISOString(), version: current.version + 1 };
      const expected = current.version;
      if ((await versionedWrite(() => this.deps.groups.replace(updated, expected), ifMatch, attempt)) === 'retry') continue;
      await this.record(ctx, 'group.updated', id, current.displayName === updated.displayName ? `Group ${updated.displayName} updated` : `Group ${current.displayName} renamed to ${updated.displayName}`);
      current = updated;
      break;
    }
    const { added, removed, ignored, background } = await this.deps.memberships.apply(current, plan);
    await this.recordIgnored(ctx, id, ignored);
    if (added > 0) await this.record(ctx, 'group.members.added', id, `${added} member(s) added to ${current.displayName}`);
    if (removed > 0) await this.record(ctx, 'group.members.removed', id, `${removed} member(s) removed from ${current.displayName}`);
    if (background && plan.replaceAll) await this.record(ctx, 'group.members.replace.pending', id, `Members of ${current.displayName} replaced: the remaining removals finish in the background`);
    const latest = added > 0 || removed > 0 || background ? ((await this.deps.groups.get(ctx.tenantId, current.id)) ?? current) : current;
    if (!respondWithBody) return { status: 204, headers: { etag: etagOf(latest.version) } };
    const projection = parseProjection('Group', query.attributes, query.excludedAttributes);
    return resourceResponse(200, await this.render(ctx, latest, projection, true), latest.version);
  }

  /** Member ids that are not users of the tenant are skipped, not refused: the write goes on, the log says so. */
  private async recordIgnored(ctx: ScimContext, groupId: string, ignored: number): Promise<void> {
    if (ignored > 0) await this.record(ctx, 'group.members.ignored', groupId, `${ignored} member id(s) ignored: not users of this tenant`);
  }

  private record(ctx: ScimContext, type: string, groupId: string, summary: string): Promise<void> {
    return this.deps.activity.record(ctx.tenantId, ctx, type, `group:${groupId}`, summary);
  }

  private async require(tenantId: TenantId, id: string): Promise<Group> {
    return found('Group', id, await this.deps.groups.get(tenantId, asGroupId(id)));
  }

  private async render(ctx: ScimContext, group: Group, projection: Projection, withMembers: boolean): Promise<Json> {
    const members = withMembers && wants('Group', projection, 'members', true) ? await this.deps.memberships.inline(group) : undefined;
    return project('Group', groupToScim(group, ctx.links, members), projection);
  }

  /**
   * Lists carry members by default (RFC 7643 `returned: default`) at a bounded cost: in page order, a group
   * gets its members inline while the page's total stays within LIMITS.listInlineMembers; groups past
   * LIMITS.maxInlineMembers or past the page's budget are answered without `members`. Pages stay full,
   * because Okta's import advances `startIndex` by `count`.
   */
  async renderList(ctx: ScimContext, groups: Group[], projection: Projection): Promise<Json[]> {
    const withMembers = wants('Group', projection, 'members', true);
    let budget = LIMITS.listInlineMembers;
    const inline = groups.map((group) => {
      if (!withMembers || group.memberCount > LIMITS.maxInlineMembers || group.memberCount > budget) return false;
      budget -= group.memberCount;
      return true;
    });
    return Promise.all(groups.map((group, i) => this.render(ctx, group, projection, inline[i]!)));
  }

  async findIndexed(tenantId: TenantId, attr: string, value: string): Promise<Group[] | undefined> {
    switch (attr) {
      case 'displayname':
        return this.deps.groups.findByDisplayName(tenantId, value);
      case 'externalid':
        return this.deps.groups.findByExternalId(tenantId, value);
      case 'id': {
        const group = await this.deps.groups.get(tenantId, asGroupId(value));
        return group ? [group] : [];
      }
      case 'members.value':
        return this.deps.groups.groupsOfUser(tenantId, asUserId(value));
      default:
        return undefined;
    }
  }

  /** Groups as JSON, with `members` holding those of the filter's named users that belong to each group. */
  async filterDocuments(ctx: ScimContext, groups: Group[], userIds: string[]): Promise<Json[]> {
    const docs = groups.map((g) => groupToScim(g, ctx.links));
    for (const userId of userIds) {
      const groupsOfUser = new Set((await this.deps.groups.groupsOfUser(ctx.tenantId, asUserId(userId))).map((g) => g.id));
      docs.forEach((doc, i) => {
        if (groupsOfUser.has(groups[i]!.id)) doc.members = [...((doc.members as Json[] | undefined) ?? []), { value: userId }];
      });
    }
    return docs;
  }
}
