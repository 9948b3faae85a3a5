import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../core/errors';
import type { AppClient, AppClientRepository } from '../../core/oidc/apps';
import { keys } from './keys';
import { isConditionalCheckFailed, queryAll, type DynamoContext } from './operations';

const KEY_FIELDS = new Set(['pk', 'sk', 'entity']);
const decode = (item: Record<string, unknown>): AppClient => {
  if (item.entity !== 'App' || typeof item.clientId !== 'string' || typeof item.secretHash !== 'string' || !Array.isArray(item.redirectUris)) {
    throw new Error(`stored item ${String(item.pk)} / ${String(item.sk)} is not a valid App`);
  }
  return Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_FIELDS.has(name))) as unknown as AppClient;
};

/** The product's apps (OIDC clients): one item each in the `APPS` partition, read consistently. */
export class DynamoAppClientRepository implements AppClientRepository {
  constructor(private readonly ctx: DynamoContext) {}

  async create(app: AppClient): Promise<void> {
    try {
      await this.ctx.db.send(new PutCommand({ TableName: this.ctx.tableName, Item: { ...keys.app(app.clientId), entity: 'App', ...app }, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new ConflictError(`an app with client ID ${app.clientId} already exists`);
      throw error;
    }
  }

  async put(app: AppClient): Promise<void> {
    await this.ctx.db.send(new PutCommand({ TableName: this.ctx.tableName, Item: { ...keys.app(app.clientId), entity: 'App', ...app } }));
  }

  async get(clientId: string): Promise<AppClient | undefined> {
    const result = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: keys.app(clientId), ConsistentRead: true }));
    return result.Item ? decode(result.Item) : undefined;
  }

  async list(): Promise<AppClient[]> {
    const found = await queryAll(this.ctx, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.appPartition }, ConsistentRead: true });
    return found.map(decode).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async delete(clientId: string): Promise<boolean> {
    const result = await this.ctx.db.send(new DeleteCommand({ TableName: this.ctx.tableName, Key: keys.app(clientId), ReturnValues: 'ALL_OLD' }));
    return Boolean(result.Attributes);
  }
}
