import { z } from 'zod/v3';
import type { ActivityCategory } from '../../core/activity/events';
import { NotFoundError } from '../../core/errors';
import type { TenantId, UserId } from '../../core/ids';
import type { Group } from '../../core/identity/group';
import type { GroupRepository, UserRepository } from '../../core/identity/ports';
import type { User } from '../../core/identity/user';
import { displayNameOf } from '../../core/identity/user';
import type { Session, SessionStore } from '../../core/sessions/ports';

export const USERS_PAGE_SIZE = 25;

/** The query of the console's lists (pages and API): a search, a page cursor, an activity category. */
export const listQuery = z.object({
  q: z.string().max(320).optional(),
  cursor: z.string().max(2048).optional(),
  category: z.string().max(40).optional(),
});
/** A search reads at most this many users per request; the page then offers to continue. */
const SEARCH_READ_BUDGET = 500;

interface QueryDeps {
  readonly users: UserRepository;
  readonly groups: GroupRepository;
  readonly sessions: SessionStore;
}

export interface UserListing {
  readonly rows: Array<{ user: User; groups: Group[] }>;
  readonly next?: string;
  readonly total: number;
  readonly note?: string;
}

const matches = (user: User, needle: string): boolean =>
  [user.userName, displayNameOf(user), user.externalId ?? '', ...user.emails.map((email) => email.value)].some((text) => text.toLowerCase().includes(needle));

/**
 * A page of the tenant's users, optionally searched. Exact user names and emails are found through
 * their indexes; other text is matched by walking pages within a read budget, so a request stays bounded.
 */
export async function listUsers(deps: QueryDeps, tenantId: TenantId, input: { q?: string; cursor?: string }): Promise<UserListing> {
  const q = input.q?.trim().toLowerCase() ?? '';
  const total = await deps.users.count(tenantId);
  let users: User[] = [];
  let next: string | undefined;
  let note: string | undefined;
  if (!q) {
    const page = await deps.users.list(tenantId, { limit: USERS_PAGE_SIZE, cursor: input.cursor });
    users = page.items;
    next = page.cursor;
  } else {
    if (!input.cursor) {
      const [byName, byEmail] = await Promise.all([deps.users.findByUserName(tenantId, q), deps.users.findByEmail(tenantId, q)]);
      const exact = new Map<string, User>();
      for (const user of [byName, ...byEmail]) if (user) exact.set(user.id, user);
      if (exact.size > 0) users = [...exact.values()];
    }
    if (users.length === 0) {
      let cursor = input.cursor;
      let read = 0;
      do {
        const page = await deps.users.list(tenantId, { limit: 100, cursor });
        read += page.items.length;
        users.push(...page.items.filter((user) => matches(user, q)));
        cursor = page.cursor;
      } while (cursor && users.length < USERS_PAGE_SIZE && read < SEARCH_READ_BUDGET);
      next = cursor;
      if (cursor && users.length < USERS_PAGE_SIZE) note = `Searched ${read} users so far: use Next page to keep searching.`;
    }
  }
  const rows = await Promise.all(users.map(async (user) => ({ user, groups: await deps.groups.groupsOfUser(tenantId, user.id) })));
  return { rows, next, total, note };
}

export async function userDetail(deps: QueryDeps, tenantId: TenantId, userId: UserId): Promise<{ user: User; groups: Group[]; sessions: Session[] }> {
  const user = await deps.users.get(tenantId, userId);
  if (!user) throw new NotFoundError('There is no such user in this tenant.');
  const [groups, sessions] = await Promise.all([deps.groups.groupsOfUser(tenantId, userId), deps.sessions.listOfUser(tenantId, userId)]);
  // A session store is global; keep only this tenant's, whatever the store returns.
  return { user, groups, sessions: sessions.filter((session) => session.tenantId === tenantId).sort((a, b) => b.createdAt.localeCompare(a.createdAt)) };
}

/** A session as the console names it: the first 16 hex digits of its hash, never the hash itself. */
export const sessionRef = (session: Session): string => session.sessionHash.slice(0, 16);

export function parseCategory(value: string | undefined): ActivityCategory | undefined {
  return value === 'provisioning' || value === 'sign-in' || value === 'admin' ? value : undefined;
}
