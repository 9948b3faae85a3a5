import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { currentChange } from '../../core/events/change-context';
import type { TenantId } from '../../core/ids';
import type { ScimTokenRecord, ScimTokenRepository } from '../../core/tenancy/ports';
import { items } from './items';
import { keys, prefixes } from './keys';
import { ConditionsFailed, del, isConditionalCheckFailed, mustExist, put, queryAll, transactWrite, type DynamoContext } from './operations';
import { eventsOf, outboxPuts } from './outbox';

export class DynamoScimTokenRepository implements ScimTokenRepository {
  constructor(private readonly ctx: DynamoContext) {}

  /** A token's metadata is written once, at creation: with its `scim_token.created` event. */
  async put(record: ScimTokenRecord): Promise<void> {
    const event = eventsOf(this.ctx).scimToken('created', record.tenantId, record.tokenId, record.hint, currentChange());
    await transactWrite(this.ctx, [put(this.ctx, items.scimToken.encode(record)), ...outboxPuts(this.ctx, [event])]);
  }

  async list(tenantId: TenantId): Promise<ScimTokenRecord[]> {
    const found = await queryAll(this.ctx, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.scimTokenPartition(tenantId), ':prefix': prefixes.scimToken },
      ConsistentRead: true,
    });
    return found.map(items.scimToken.decode).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Revokes: the `scim_token.revoked` event is written only by the delete that found the token. */
  async delete(tenantId: TenantId, tokenId: string): Promise<void> {
    const found = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: keys.scimToken(tenantId, tokenId), ConsistentRead: true }));
    if (!found.Item) return;
    const event = eventsOf(this.ctx).scimToken('revoked', tenantId, tokenId, items.scimToken.decode(found.Item).hint, currentChange());
    try {
      await transactWrite(this.ctx, [del(this.ctx, keys.scimToken(tenantId, tokenId), mustExist), ...outboxPuts(this.ctx, [event])]);
    } catch (error) {
      if (!(error instanceof ConditionsFailed)) throw error; // revoked meanwhile, by the request that wrote the event
    }
  }

  async touch(tenantId: TenantId, tokenId: string, at: Date, coarserThanSec: number): Promise<void> {
    const threshold = new Date(at.getTime() - coarserThanSec * 1000).toISOString();
    try {
      // Every SCIM request authenticates: write at most once per `coarserThanSec`, not once per request.
      await this.ctx.db.send(
        new UpdateCommand({
          TableName: this.ctx.tableName,
          Key: keys.scimToken(tenantId, tokenId),
          UpdateExpression: 'SET lastUsedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :threshold)',
          ExpressionAttributeValues: { ':at': at.toISOString(), ':threshold': threshold },
        }),
      );
    } catch (error) {
      // Recently touched (or the token was deleted meanwhile): nothing to record.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
