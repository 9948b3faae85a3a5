import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, InvalidInputError, NotFoundError, PreconditionFailedError } from '../../core/errors';
import type { UserRepository } from '../../core/identity/ports';
import { normaliseUserName, type User } from '../../core/identity/user';
import type { TenantId, UserId } from '../../core/ids';
import type { Page, PageRequest } from '../../core/paging';
import { items } from './items';
import { diffKeys, keys, prefixes, uniqueKeys, type TableKey } from './keys';
import type { DynamoMemberships } from './memberships';
import {
  ConditionsFailed,
  batchGet,
  del,
  mustNotExist,
  put,
  queryPage,
  transactWrite,
  countersUpdate,
  versionIs,
  type DynamoContext,
  type TransactItem,
  findThroughIndex,
} from './operations';
import { assertNextVersion } from './versions';
import { currentChange } from '../../core/events/change-context';
import { eventsOf, outboxPuts } from './outbox';

/** Caps the lookup entries of one user so that every write fits one transaction. */
export const MAX_EMAILS_PER_USER = 10;

export class DynamoUserRepository implements UserRepository {
  constructor(
    private readonly ctx: DynamoContext,
    private readonly memberships: Pick<DynamoMemberships, 'removeUserFromAllGroups'>,
  ) {}

  async create(user: User): Promise<void> {
    const writes: TransactItem[] = [
      put(this.ctx, items.user.encode(user), mustNotExist),
      put(this.ctx, items.userNameGuard.encode(user), mustNotExist),
      countersUpdate(this.ctx, user.tenantId, 'users', 1),
      ...lookupEntries(user).map((key) => put(this.ctx, items.userIndex.encode(key, user.id))),
      ...outboxPuts(this.ctx, [eventsOf(this.ctx).userCreated(user, currentChange())]),
    ];
    try {
      await transactWrite(this.ctx, writes);
    } catch (error) {
      if (!(error instanceof ConditionsFailed)) throw error;
      if (error.failedIndexes.includes(1)) throw userNameTaken(user.userName, error);
      throw new ConflictError(`user ${user.id} already exists`, { cause: error });
    }
  }

  /** Consistent: callers decide writes on it (existence before a PATCH, the version an If-Match is checked against, the ETag returned). */
  async get(tenantId: TenantId, userId: UserId): Promise<User | undefined> {
    return this.read(tenantId, userId);
  }

  /** Consistent: it validates the members of a group write (a user created a moment ago must be found). */
  async getMany(tenantId: TenantId, userIds: UserId[]): Promise<User[]> {
    const found = await batchGet(
      this.ctx,
      userIds.map((id) => keys.user(tenantId, id)),
      true,
    );
    const byId = new Map(found.map(items.user.decode).map((user) => [user.id, user]));
    return [...new Set(userIds)].flatMap((id) => byId.get(id) ?? []);
  }

  async findByUserName(tenantId: TenantId, userName: string): Promise<User | undefined> {
    // Consistent: a create followed at once by a lookup (Okta's create-then-GET) must see the user.
    const guard = await this.ctx.db.send(
      new GetCommand({ TableName: this.ctx.tableName, Key: keys.userNameGuard(tenantId, userName), ConsistentRead: true }),
    );
    if (!guard.Item) return undefined;
    return this.read(tenantId, items.userNameGuard.decode(guard.Item));
  }

  async findByExternalId(tenantId: TenantId, externalId: string): Promise<User[]> {
    return this.findByIndexPrefix(tenantId, keys.userExternalIdPrefix(externalId));
  }

  async findByEmail(tenantId: TenantId, email: string): Promise<User[]> {
    return this.findByIndexPrefix(tenantId, keys.userEmailPrefix(email));
  }

  async replace(user: User, expectedVersion: number): Promise<void> {
    assertNextVersion('user', user.version, expectedVersion);
    const current = await this.read(user.tenantId, user.id);
    if (!current) throw new NotFoundError(`user ${user.id} does not exist`);
    if (current.version !== expectedVersion) throw stale(user.id, expectedVersion, current.version);

    const writes: TransactItem[] = [put(this.ctx, items.user.encode(user), versionIs(expectedVersion))];
    const newGuardIndex = writes.length;
    const userNameChanged = normaliseUserName(current.userName) !== normaliseUserName(user.userName);
    // A change of case only keeps the guard: its key is the lowercased name.
    if (userNameChanged) {
      writes.push(put(this.ctx, items.userNameGuard.encode(user), mustNotExist), del(this.ctx, keys.userNameGuard(user.tenantId, current.userName)));
    }
    const { added, removed } = diffKeys(lookupEntries(current), lookupEntries(user));
    writes.push(...added.map((key) => put(this.ctx, items.userIndex.encode(key, user.id))), ...removed.map((key) => del(this.ctx, key)));
    writes.push(...outboxPuts(this.ctx, eventsOf(this.ctx).userReplaced(current, user, currentChange())));
    try {
      await transactWrite(this.ctx, writes);
    } catch (error) {
      if (!(error instanceof ConditionsFailed)) throw error;
      if (error.failedIndexes.includes(0)) {
        const now = await this.read(user.tenantId, user.id);
        if (!now) throw new NotFoundError(`user ${user.id} does not exist`, { cause: error });
        throw stale(user.id, expectedVersion, now.version);
      }
      if (userNameChanged && error.failedIndexes.includes(newGuardIndex)) throw userNameTaken(user.userName, error);
      throw error;
    }
  }

  async delete(tenantId: TenantId, userId: UserId): Promise<void> {
    // Conditioned on the version read, so that a concurrent replace cannot leave lookup entries behind.
    for (let attempt = 0; ; attempt++) {
      const current = await this.read(tenantId, userId);
      if (!current) throw new NotFoundError(`user ${userId} does not exist`);
      const writes: TransactItem[] = [
        del(this.ctx, keys.user(tenantId, userId), versionIs(current.version)),
        del(this.ctx, keys.userNameGuard(tenantId, current.userName)),
        countersUpdate(this.ctx, tenantId, 'users', -1),
        ...lookupEntries(current).map((key) => del(this.ctx, key)),
        // Recorded in the same transaction: if this request dies before the memberships are gone, a later purge finishes them.
        put(this.ctx, items.purge.encode('user', tenantId, userId, this.ctx.clock.now().toISOString())),
        ...outboxPuts(this.ctx, [eventsOf(this.ctx).userDeleted(current, currentChange())]),
      ];
      try {
        await transactWrite(this.ctx, writes);
        break;
      } catch (error) {
        if (!(error instanceof ConditionsFailed) || attempt >= 3) throw error;
      }
    }
    await this.memberships.removeUserFromAllGroups(tenantId, userId);
  }

  async list(tenantId: TenantId, page: PageRequest): Promise<Page<User>> {
    const partition = keys.userPartition(tenantId);
    return queryPage(
      this.ctx,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': prefixes.user },
        // Consistent: SCIM filters without an index are answered from this listing, and an IdP decides
        // from a filter whether to create (a stale miss would make it create a duplicate).
        ConsistentRead: true,
      },
      page,
      { attributes: ['pk', 'sk'], fixed: { pk: partition }, prefixed: { sk: prefixes.user } },
      items.user.decode,
    );
  }

  async count(tenantId: TenantId): Promise<number> {
    const result = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: keys.counters(tenantId), ConsistentRead: true }));
    return items.counters.decode(result.Item).users;
  }

  private async read(tenantId: TenantId, userId: UserId): Promise<User | undefined> {
    const result = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: keys.user(tenantId, userId), ConsistentRead: true }));
    return result.Item ? items.user.decode(result.Item) : undefined;
  }

  private findByIndexPrefix(tenantId: TenantId, prefix: string): Promise<User[]> {
    return findThroughIndex(
      this.ctx,
      { partition: keys.userPartition(tenantId), prefix },
      (entry) => keys.user(tenantId, items.userIndex.decode(entry)),
      items.user.decode,
    );
  }
}

/** The externalId and email lookup entries a user needs, deduplicated (two emails differing in case are one entry). */
function lookupEntries(user: User): TableKey[] {
  if (user.emails.length > MAX_EMAILS_PER_USER) {
    throw new InvalidInputError(`a user can have at most ${MAX_EMAILS_PER_USER} email addresses, got ${user.emails.length}`);
  }
  const entries: TableKey[] = [];
  if (user.externalId !== undefined && user.externalId !== '') entries.push(keys.userExternalIdIndex(user.tenantId, user.externalId, user.id));
  for (const email of user.emails) if (email.value.trim() !== '') entries.push(keys.userEmailIndex(user.tenantId, email.value, user.id));
  return uniqueKeys(entries);
}

const userNameTaken = (userName: string, cause: Error) => new ConflictError(`userName "${userName}" is already taken`, { cause });

const stale = (userId: UserId, expected: number, actual: number) =>
  new PreconditionFailedError(`user ${userId} changed meanwhile (version ${actual}, the update was based on ${expected}); reload and retry`);
