import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../../core/clock';
import type { SessionEndReason } from '../../core/events/build';
import { currentChange } from '../../core/events/change-context';
import type { TenantId, UserId } from '../../core/ids';
import type { Session, SessionStore } from '../../core/sessions/ports';
import { items } from './items';
import { keys } from './keys';
import { ConditionsFailed, MAX_TRANSACT_ITEMS, batchDelete, batchGet, chunk, del, isConditionalCheckFailed, mustExist, put, queryAll, transactWrite, type DynamoContext, type TransactItem } from './operations';
import { eventsOf, outboxPuts } from './outbox';

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

  /** Ends one session; an app session's end is a `session.ended` event in the same transaction. */
  async revoke(sessionHash: string, reason: SessionEndReason = 'logout'): Promise<void> {
    const result = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: keys.session(sessionHash), ConsistentRead: true }));
    if (!result.Item) return;
    const session = items.session.decode(result.Item);
    try {
      await transactWrite(this.ctx, this.endWrites(session, reason, mustExist));
    } catch (error) {
      // Ended meanwhile by another request, which wrote its event.
      if (!(error instanceof ConditionsFailed)) throw error;
    }
  }

  async revokeAllOfUser(tenantId: TenantId, userId: UserId, reason: SessionEndReason = 'revoked'): Promise<number> {
    const { entries, sessions } = await this.ofUser(tenantId, userId);
    // Three items per session (session, its entry, its event); an entry without its session is just deleted.
    for (const part of chunk(sessions, Math.floor(MAX_TRANSACT_ITEMS / 3))) {
      await transactWrite(this.ctx, part.flatMap((session) => this.endWrites(session, reason)));
    }
    const ended = new Set(sessions.map((session) => keys.userSessionEntry(tenantId, userId, session.sessionHash).sk));
    await batchDelete(this.ctx, entries.filter((entry) => !ended.has(entry.sk)));
    return sessions.filter((session) => this.isLive(session)).length;
  }

  /** Deleting a session and its entry; a live app session's end is an event (an expired one needs no logout). */
  private endWrites(session: Session, reason: SessionEndReason, condition?: typeof mustExist): TransactItem[] {
    const event = this.isLive(session) ? eventsOf(this.ctx).sessionEnded(session, reason, currentChange()) : undefined;
    return [
      del(this.ctx, keys.session(session.sessionHash), condition),
      del(this.ctx, keys.userSessionEntry(session.tenantId, session.userId, session.sessionHash)),
      ...outboxPuts(this.ctx, [event]),
    ];
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
