import type { SignInRecord, SignInWriter } from '../../core/sessions/ports';
import { items } from './items';
import { outboxPuts } from './outbox';
import { ConditionsFailed, put, transactWrite, type DynamoContext, type TransactItem } from './operations';

/**
 * A sign-in's writes in ONE TransactWriteItems: the replay marker (conditional: absent or expired, as
 * EphemeralStore.putIfAbsent), the session (with its entry under the user) or the admin-console grant,
 * and the activity events. A replay fails the marker's condition and cancels the whole transaction, so
 * it never leaves a session behind.
 */
export class DynamoSignInWriter implements SignInWriter {
  constructor(private readonly ctx: DynamoContext) {}

  async commit(record: SignInRecord): Promise<boolean> {
    const { claim } = record;
    const writes: TransactItem[] = [
      put(this.ctx, items.ephemeral.encode(claim.key, claim.value, claim.expiresAt), {
        expression: 'attribute_not_exists(pk) OR expiresAtMs < :nowMs',
        values: { ':nowMs': this.ctx.clock.now().getTime() },
      }),
      ...(record.session ? [put(this.ctx, items.session.encode(record.session)), put(this.ctx, items.userSession.encode(record.session))] : []),
      ...(record.grant ? [put(this.ctx, items.ephemeral.encode(record.grant.key, record.grant.value, record.grant.expiresAt))] : []),
      ...record.events.map((event) => put(this.ctx, items.activity.encode(event))),
      ...outboxPuts(this.ctx, record.directoryEvents ?? []),
    ];
    try {
      await transactWrite(this.ctx, writes);
      return true;
    } catch (error) {
      if (error instanceof ConditionsFailed && error.failedIndexes.includes(0)) return false;
      throw error;
    }
  }
}
