import type { Group } from '../core/identity/group';
import type { GroupRepository, UserRepository } from '../core/identity/ports';
import { asUserId, type GroupId, type TenantId, type UserId } from '../core/ids';
import { LIMITS } from './discovery';
import type { Filter, PatchPath } from './filter';
import type { PatchOpName } from './patch';
import { memberIdsOf, type MemberRef } from './resources';
import { invalidFilter, invalidValue } from './scim-error';

const MAX_MEMBER_REFS_IN_FILTER = 10;
const MEMBER_PAGE = 1000;
/** A full push checks tens of thousands of ids: BatchGets of 100, eight in flight (reads only, nothing to conflict). */
const USER_CHECK_BATCH = 100;
const USER_CHECK_CONCURRENCY = 8;

/** The net membership change of a write: additions, removals, or a full replacement by `adds`. */
export interface MemberPlan {
  replaceAll: boolean;
  adds: Set<string>;
  removes: Set<string>;
}

export const emptyPlan = (): MemberPlan => ({ replaceAll: false, adds: new Set(), removes: new Set() });

/** A PUT with `members` replaces the membership; without, it leaves it alone. */
export const replacementPlan = (members: string[] | undefined): MemberPlan => (members === undefined ? emptyPlan() : { ...emptyPlan(), replaceAll: true, adds: new Set(members) });

/** Folds one `members` operation of a PATCH into the plan, in order. */
export function planMembers(plan: MemberPlan, op: PatchOpName, path: PatchPath, value: unknown): void {
  const add = (ids: string[]) => ids.forEach((id) => (plan.removes.delete(id), plan.adds.add(id)));
  const remove = (ids: string[]) => ids.forEach((id) => (plan.adds.delete(id), plan.replaceAll || plan.removes.add(id)));
  if (path.sub !== undefined) {
    if (op === 'remove' && path.filter) throw invalidValue('members are removed whole: drop the sub-attribute from the path');
    return; // display/$ref/type of a member are not stored
  }
  if (path.filter) {
    const ids = memberValueIds(path.filter);
    remove(ids);
    if (op !== 'remove') add(memberIdsOf(value));
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

/**
 * The ids a filter's membership predicates name (`members[value eq "id"]` on Groups, `groups.value eq "id"` on
 * Users). Checked before anything is read: any other form on these attributes would read whole groups.
 */
export function membershipRefs(attr: 'groups' | 'members', filter: Filter): string[] {
  const refs: string[] = [];
  const visit = (f: Filter) => {
    switch (f.op) {
      case 'and':
      case 'or':
        visit(f.left);
        visit(f.right);
        return;
      case 'not':
        visit(f.filter);
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
        if (f.path.attr.toLowerCase() === attr && f.path.urn === undefined) {
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

/** Membership items: validated, read and written without ever rewriting a group. */
export class Memberships {
  constructor(private readonly deps: { readonly users: UserRepository; readonly groups: GroupRepository }) {}

  /** Of `ids`, those that are users of this tenant (one BatchGet per 100, a few at a time), and how many are not. */
  async knownUsers(tenantId: TenantId, ids: Iterable<string>): Promise<{ known: UserId[]; unknown: number }> {
    const unique = [...new Set(ids)].map(asUserId);
    if (unique.length === 0) return { known: [], unknown: 0 };
    const found = new Set<UserId>();
    for (let i = 0; i < unique.length; i += USER_CHECK_BATCH * USER_CHECK_CONCURRENCY) {
      const wave = Array.from({ length: USER_CHECK_CONCURRENCY }, (_, j) => unique.slice(i + j * USER_CHECK_BATCH, i + (j + 1) * USER_CHECK_BATCH)).filter((part) => part.length > 0);
      for (const users of await Promise.all(wave.map((part) => this.deps.users.getMany(tenantId, part)))) users.forEach((u) => found.add(u.id));
    }
    const known = unique.filter((id) => found.has(id));
    return { known, unknown: unique.length - known.length };
  }

  /**
   * Members inline, or undefined (the answer omits `members`, as AWS IAM Identity Center does) past
   * LIMITS.maxInlineMembers: a read of a group never fails because of its size.
   */
  async inline(group: Group): Promise<MemberRef[] | undefined> {
    if (group.memberCount > LIMITS.maxInlineMembers) return undefined;
    if (group.memberCount === 0) return [];
    const page = await this.deps.groups.listMembers(group.tenantId, group.id, { limit: LIMITS.maxInlineMembers });
    return page.items.map((value) => ({ value }));
  }

  /**
   * Writes a plan. Ids that are not users of the tenant are skipped (counted in `ignored`), so a client's
   * stale member never blocks its later pushes. A replacement reads the current membership first, in pages
   * of 1,000: the one group write that costs in proportion to the group; only ids not yet members are checked.
   */
  async apply(group: Group, plan: MemberPlan): Promise<{ added: number; removed: number; ignored: number }> {
    let removes = [...plan.removes];
    let adds = [...plan.adds];
    if (plan.replaceAll) {
      const current = new Set<string>();
      let cursor: string | undefined;
      if (group.memberCount > 0) {
        do {
          const page = await this.deps.groups.listMembers(group.tenantId, group.id, { limit: MEMBER_PAGE, ...(cursor ? { cursor } : {}) });
          page.items.forEach((member) => current.add(member));
          cursor = page.cursor;
        } while (cursor);
      }
      removes = [...current].filter((member) => !plan.adds.has(member));
      adds = adds.filter((member) => !current.has(member));
    }
    const { known, unknown } = await this.knownUsers(group.tenantId, adds);
    const removed = removes.length > 0 ? await this.deps.groups.removeMembers(group.tenantId, group.id, removes.map(asUserId)) : 0;
    const added = known.length > 0 ? await this.deps.groups.addMembers(group.tenantId, group.id, known) : 0;
    return { added, removed, ignored: unknown };
  }

  /** Which of `userIds` belong to the group, asked in batches of 100. */
  async membersAmong(tenantId: TenantId, groupId: GroupId, userIds: UserId[]): Promise<Set<UserId>> {
    const out = new Set<UserId>();
    for (let i = 0; i < userIds.length; i += 100) for (const id of await this.deps.groups.membersAmong(tenantId, groupId, userIds.slice(i, i + 100))) out.add(id);
    return out;
  }
}
