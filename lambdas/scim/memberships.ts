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
/**
 * Removals a full replace makes before answering; past it the removals finish in the background. 4,000
 * is about 80 transactions: a few seconds on DynamoDB, well under ten on DynamoDB Local, leaving the
 * additions (bounded by maxPayloadSize) room within API Gateway's 29 s.
 */
export const INLINE_REPLACE_REMOVALS = 4000;
/** Memberships a later write on the group examines to move its background replace along (cheap: one Query and a few transactions). */
const OPPORTUNISTIC_REPLACE_ITEMS = 500;
/** The inline removals of a background replace also stop after this long, whatever the store's latency (API Gateway gives 29 s in all). */
const INLINE_REPLACE_MS = 8_000;

export interface MemberChange {
  readonly added: number;
  readonly removed: number;
  readonly ignored: number;
  /** Removals of a full replace continue in the background (the membership converges after the answer). */
  readonly background: boolean;
}

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
  private readonly inlineRemovals: number;

  constructor(private readonly deps: { readonly users: UserRepository; readonly groups: GroupRepository; readonly inlineReplaceRemovals?: number }) {
    this.inlineRemovals = deps.inlineReplaceRemovals ?? INLINE_REPLACE_REMOVALS;
  }

  /** Of `ids`, those that are users of this tenant (one BatchGet per 100, a few at a time), and how many are not. */
  async knownUsers(tenantId: TenantId, ids: Iterable<string>): Promise<{ known: UserId[]; unknown: number }> {
    const unique = [...new Set(ids)].map(asUserId);
    if (unique.length === 0) return { known: [], unknown: 0 };
    const found = await inWaves(unique, async (part) => (await this.deps.users.getMany(tenantId, part)).map((u) => u.id));
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
   * stale member never blocks its later pushes. `background` is true when removals continue after the
   * answer (a replace past the inline budget, see replace()).
   */
  async apply(group: Group, plan: MemberPlan): Promise<MemberChange> {
    if (plan.replaceAll) return this.replace(group, plan.adds);
    if (plan.adds.size === 0 && plan.removes.size === 0) return { added: 0, removed: 0, ignored: 0, background: false };
    const { known, unknown } = await this.knownUsers(group.tenantId, plan.adds);
    const removed = plan.removes.size > 0 ? await this.deps.groups.removeMembers(group.tenantId, group.id, [...plan.removes].map(asUserId)) : 0;
    const added = known.length > 0 ? await this.deps.groups.addMembers(group.tenantId, group.id, known) : 0;
    // Asked after the writes: a replace that started before them must spare the members just added
    // (those that were already members keep their old write time, so they are marked now).
    if (!(await this.deps.groups.memberReplacePending(group.tenantId, group.id))) return { added, removed, ignored: unknown, background: false };
    if (known.length > added) await this.deps.groups.touchMembers(group.tenantId, group.id, known);
    const progress = await this.deps.groups.continueMemberReplace(group.tenantId, group.id, Math.min(OPPORTUNISTIC_REPLACE_ITEMS, this.inlineRemovals));
    return { added, removed: removed + progress.removed, ignored: unknown, background: progress.pending };
  }

  /**
   * A full replacement. When the removals fit the inline budget, it reads the current membership (pages of
   * 1,000; only ids not yet members are checked) and writes the difference, as one request. Past the budget
   * (known from memberCount alone for a large group, so a 100,000-member group is never walked inline), the
   * desired set is recorded as a background job on the group, the additions are written, and the job is
   * run for one budget's worth; the maintenance run and later writes on the group finish it.
   */
  private async replace(group: Group, desired: Set<string>): Promise<MemberChange> {
    const { tenantId, id: groupId } = group;
    if (group.memberCount - desired.size <= this.inlineRemovals) {
      const current = group.memberCount > 0 ? await this.currentMembers(group) : new Set<string>();
      const removes = [...current].filter((member) => !desired.has(member));
      if (removes.length <= this.inlineRemovals) {
        await this.deps.groups.cancelMemberReplace(tenantId, groupId);
        const { known, unknown } = await this.knownUsers(tenantId, [...desired].filter((member) => !current.has(member)));
        const removed = removes.length > 0 ? await this.deps.groups.removeMembers(tenantId, groupId, removes.map(asUserId)) : 0;
        const added = known.length > 0 ? await this.deps.groups.addMembers(tenantId, groupId, known) : 0;
        return { added, removed, ignored: unknown, background: false };
      }
    }
    // Recorded before anything is written: once the client has its answer, the job exists.
    await this.deps.groups.startMemberReplace(tenantId, groupId, [...desired].map(asUserId));
    // Most desired ids are usually members already (a re-push): only the others are checked and added.
    const members = await this.membersAmong(tenantId, groupId, [...desired].map(asUserId));
    const { known, unknown } = await this.knownUsers(tenantId, [...desired].filter((id) => !members.has(asUserId(id))));
    const added = known.length > 0 ? await this.deps.groups.addMembers(tenantId, groupId, known) : 0;
    const deadline = performance.now() + INLINE_REPLACE_MS;
    let removed = 0;
    let examined = 0;
    let pending = true;
    while (pending && examined < this.inlineRemovals && performance.now() < deadline) {
      const progress = await this.deps.groups.continueMemberReplace(tenantId, groupId, Math.min(OPPORTUNISTIC_REPLACE_ITEMS, this.inlineRemovals - examined));
      ({ pending } = progress);
      removed += progress.removed;
      examined += progress.examined;
    }
    return { added, removed, ignored: unknown, background: pending };
  }

  private async currentMembers(group: Group): Promise<Set<string>> {
    const current = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.deps.groups.listMembers(group.tenantId, group.id, { limit: MEMBER_PAGE, ...(cursor ? { cursor } : {}) });
      page.items.forEach((member) => current.add(member));
      cursor = page.cursor;
    } while (cursor);
    return current;
  }

  /** Which of `userIds` belong to the group, asked in batches of 100, a few at a time (reads only). */
  async membersAmong(tenantId: TenantId, groupId: GroupId, userIds: UserId[]): Promise<Set<UserId>> {
    return inWaves(userIds, (part) => this.deps.groups.membersAmong(tenantId, groupId, part));
  }
}

/** Asks `read` about `ids` in batches of 100, a few batches at a time (reads only), and gathers what it found. */
async function inWaves(ids: UserId[], read: (part: UserId[]) => Promise<UserId[]>): Promise<Set<UserId>> {
  const out = new Set<UserId>();
  for (let i = 0; i < ids.length; i += USER_CHECK_BATCH * USER_CHECK_CONCURRENCY) {
    const wave = Array.from({ length: USER_CHECK_CONCURRENCY }, (_, j) => ids.slice(i + j * USER_CHECK_BATCH, i + (j + 1) * USER_CHECK_BATCH)).filter((part) => part.length > 0);
    for (const found of await Promise.all(wave.map(read))) found.forEach((id) => out.add(id));
  }
  return out;
}
