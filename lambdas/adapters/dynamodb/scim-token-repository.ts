import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TenantId } from '../../core/ids';
import type { ScimTokenRecord, ScimTokenRepository } from '../../core/tenancy/ports';
import { items } from './items';
import { keys, prefixes } from './keys';
import { isConditionalCheckFailed, queryAll, type DynamoContext } from './operations';

export class DynamoScimTokenRepository implements ScimTokenRepository {
  constructor(private readonly ctx: DynamoContext) {}

  async put(record: ScimTokenRecord): Promise<void> {
    await this.ctx.db.send(new PutCommand({ TableName: this.ctx.tableName, Item: items.scimToken.encode(record) }));
  }

  async list(tenantId: TenantId): Promise<ScimTokenRecord[]> {
    const found = await queryAll(this.ctx, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.scimTokenPartition(tenantId), ':prefix': prefixes.scimToken },
      ConsistentRead: true,
    });
    return found.map(items.scimToken.decode).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async delete(tenantId: TenantId, tokenId: string): Promise<void> {
    await this.ctx.db.send(new DeleteCommand({ TableName: this.ctx.tableName, Key: keys.scimToken(tenantId, tokenId) }));
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
