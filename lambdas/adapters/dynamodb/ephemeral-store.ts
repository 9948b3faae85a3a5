import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EphemeralStore } from '../../core/sessions/ports';
import { items } from './items';
import { keys } from './keys';
import { isConditionalCheckFailed, type DynamoContext } from './operations';

/**
 * Short-lived values shared by every Lambda instance. TTL removes them eventually; until then every
 * read treats an expired value as absent, and putIfAbsent may reuse an expired key.
 */
export class DynamoEphemeralStore implements EphemeralStore {
  constructor(private readonly ctx: DynamoContext) {}

  async putIfAbsent(key: string, value: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.ctx.db.send(
        new PutCommand({
          TableName: this.ctx.tableName,
          Item: items.ephemeral.encode(key, value, expiresAt),
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs < :nowMs',
          ExpressionAttributeValues: { ':nowMs': this.ctx.clock.now().getTime() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async put(key: string, value: string, expiresAt: Date): Promise<void> {
    await this.ctx.db.send(new PutCommand({ TableName: this.ctx.tableName, Item: items.ephemeral.encode(key, value, expiresAt) }));
  }

  async get(key: string): Promise<string | undefined> {
    const result = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: keys.ephemeral(key), ConsistentRead: true }));
    return result.Item ? this.liveValue(result.Item) : undefined;
  }

  async take(key: string): Promise<string | undefined> {
    try {
      // One conditional delete returning the old item: of two concurrent takes, exactly one gets the value.
      const result = await this.ctx.db.send(
        new DeleteCommand({
          TableName: this.ctx.tableName,
          Key: keys.ephemeral(key),
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        }),
      );
      return result.Attributes ? this.liveValue(result.Attributes) : undefined;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.ctx.db.send(new DeleteCommand({ TableName: this.ctx.tableName, Key: keys.ephemeral(key) }));
  }

  async claimQuota(key: string, limit: number, expiresAt: Date): Promise<boolean> {
    try {
      // One conditional counter update: concurrent claims never exceed the limit.
      await this.ctx.db.send(
        new UpdateCommand({
          TableName: this.ctx.tableName,
          Key: keys.ephemeral(key),
          UpdateExpression: 'SET #uses = if_not_exists(#uses, :zero) + :one, entity = :entity, #value = if_not_exists(#value, :empty), expiresAt = if_not_exists(expiresAt, :ttl), expiresAtMs = if_not_exists(expiresAtMs, :ms)',
          ConditionExpression: 'attribute_not_exists(#uses) OR #uses < :limit',
          ExpressionAttributeNames: { '#uses': 'uses', '#value': 'value' },
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':limit': limit, ':entity': 'Ephemeral', ':empty': '', ':ttl': Math.ceil(expiresAt.getTime() / 1000), ':ms': expiresAt.getTime() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  private liveValue(item: Record<string, unknown>): string | undefined {
    const { value, expiresAtMs } = items.ephemeral.decode(item);
    return expiresAtMs > this.ctx.clock.now().getTime() ? value : undefined;
  }
}
