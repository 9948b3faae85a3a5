import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../../core/clock';
import type { TenantId, UserId } from '../../core/ids';
import type { Session, SessionStore } from '../../core/sessions/ports';
import { items } from './items';
import { keys } from './keys';
import { batchDelete, batchGet, isConditionalCheckFailed, put, queryAll, transactWrite, type DynamoContext } from './operations';

/**
 * Sessions keyed by the SHA-256 of the cookie. Each session has an entry under its user (a base-table
 * item written in the same transaction), so a user's sessions are listed and revoked with consistent
 * reads: "sign out everywhere" and deactivation never miss a session created a moment before.
 */
export class DynamoSessionStore implements SessionStore {
  constructor(private readonly ctx: DynamoContext) {}

  async put(session: Session): Promise<void> {
    await transactWrite(this.ctx, [put(this.ctx, items.session.encode(session)), put(this.ctx, items.userSession.encode(session))]);
  }

  async get(sessionHash: string): Promise<Session | undefined> {
    // Consistent, so that a revoked session is refused at once.
    const result = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: keys.session(sessionHash), ConsistentRead: true }));
    if (!result.Item) return undefined;
    const session = items.session.decode(result.Item);
    return this.isLive(session) ? session : undefined;
  }

  async touch(sessionHash: string, lastSeenAt: Date, expiresAt: Date): Promise<void> {
    try {
      await this.ctx.db.send(
        new UpdateCommand({
          TableName: this.ctx.tableName,
          Key: keys.session(sessionHash),
          UpdateExpression: 'SET lastSeenAt = :lastSeenAt, expiresAtIso = :expiresAtIso, expiresAt = :expiresAt',
          // Never brings back a revoked (deleted) session.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':lastSeenAt': lastSeenAt.toISOString(),
            ':expiresAtIso': expiresAt.toISOString(),
            ':expiresAt': epochSeconds(expiresAt),
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async revoke(sessionHash: string): Promise<void> {
    const result = await this.ctx.db.send(new DeleteCommand({ TableName: this.ctx.tableName, Key: keys.session(sessionHash), ReturnValues: 'ALL_OLD' }));
    if (!result.Attributes) return;
    const { tenantId, userId } = items.session.decode(result.Attributes);
    await this.ctx.db.send(new DeleteCommand({ TableName: this.ctx.tableName, Key: keys.userSessionEntry(tenantId, userId, sessionHash) }));
  }

  async revokeAllOfUser(tenantId: TenantId, userId: UserId): Promise<number> {
    const { entries, sessions } = await this.ofUser(tenantId, userId);
    await batchDelete(this.ctx, [...sessions.map((session) => keys.session(session.sessionHash)), ...entries]);
    return sessions.filter((session) => this.isLive(session)).length;
  }

  async listOfUser(tenantId: TenantId, userId: UserId): Promise<Session[]> {
    return (await this.ofUser(tenantId, userId)).sessions.filter((session) => this.isLive(session));
  }

  /** The user's entries and the sessions they point at, oldest first (both read consistently). */
  private async ofUser(tenantId: TenantId, userId: UserId) {
    const found = await queryAll(this.ctx, {
      KeyConditionExpression: 'pk = :partition',
      ExpressionAttributeValues: { ':partition': keys.userSessionsPartition(tenantId, userId) },
      ConsistentRead: true,
    });
    const hashes = found.map(items.userSession.decode);
    const sessions = (await batchGet(this.ctx, hashes.map(keys.session), true))
      .map(items.session.decode)
      // An entry is only ever written with its own user's session; the check keeps a corrupt one harmless.
      .filter((session) => session.tenantId === tenantId && session.userId === userId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const entries = hashes.map((hash) => keys.userSessionEntry(tenantId, userId, hash));
    return { entries, sessions };
  }

  // TTL deletion lags by up to days: an expired item is absent as far as callers can tell.
  private isLive(session: Session): boolean {
    return new Date(session.expiresAt).getTime() > this.ctx.clock.now().getTime();
  }
}
