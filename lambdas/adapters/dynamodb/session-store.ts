import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../../core/clock';
import type { TenantId, UserId } from '../../core/ids';
import type { Session, SessionStore } from '../../core/sessions/ports';
import { items } from './items';
import { GSI1, keys } from './keys';
import { batchDelete, isConditionalCheckFailed, queryAll, type DynamoContext } from './operations';

/**
 * Sessions keyed by the SHA-256 of the cookie; GSI1 lists a user's sessions for "sign out
 * everywhere". The GSI is eventually consistent: a session created a moment (typically well under
 * a second) before revokeAllOfUser may escape it.
 */
export class DynamoSessionStore implements SessionStore {
  constructor(private readonly ctx: DynamoContext) {}

  async put(session: Session): Promise<void> {
    await this.ctx.db.send(new PutCommand({ TableName: this.ctx.tableName, Item: items.session.encode(session) }));
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
    await this.ctx.db.send(new DeleteCommand({ TableName: this.ctx.tableName, Key: keys.session(sessionHash) }));
  }

  async revokeAllOfUser(tenantId: TenantId, userId: UserId): Promise<number> {
    const found = await this.queryOfUser(tenantId, userId);
    await batchDelete(
      this.ctx,
      found.map((session) => keys.session(session.sessionHash)),
    );
    return found.filter((session) => this.isLive(session)).length;
  }

  async listOfUser(tenantId: TenantId, userId: UserId): Promise<Session[]> {
    return (await this.queryOfUser(tenantId, userId)).filter((session) => this.isLive(session));
  }

  private async queryOfUser(tenantId: TenantId, userId: UserId): Promise<Session[]> {
    // GSI, eventually consistent: a session created within the lag may escape revokeAllOfUser, but every
    // request with it reads the user consistently and refuses an inactive or deleted one.
    const found = await queryAll(this.ctx, {
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :partition',
      ExpressionAttributeValues: { ':partition': keys.userSessionsPartition(tenantId, userId) },
    });
    return found.map(items.session.decode);
  }

  // TTL deletion lags by up to days: an expired item is absent as far as callers can tell.
  private isLive(session: Session): boolean {
    return new Date(session.expiresAt).getTime() > this.ctx.clock.now().getTime();
  }
}
