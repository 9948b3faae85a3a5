import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../../core/clock';
import { sha256Hex } from '../../core/digest';
import { keys, type TableKey } from './keys';
import { batchDelete, isConditionalCheckFailed, put, queryAll, transactWrite, type DynamoContext, type TransactItem } from './operations';

/** What oidc-provider stores through an adapter: a JSON payload with optional grantId, uid, userCode. */
export interface OidcPayload {
  readonly grantId?: string;
  readonly uid?: string;
  readonly userCode?: string;
  readonly consumed?: number;
  readonly [member: string]: unknown;
}

/**
 * The bearer credentials an app presents (codes, access tokens): stored under their SHA-256 and without their
 * value (`jti`) in the payload, as our own sessions and SCIM tokens are, so whoever reads the table or a backup
 * cannot use one. Sessions and interactions keep their IDs: a session is found by its uid too, and must come
 * back with its ID.
 */
const HASHED_MODELS = new Set(['AuthorizationCode', 'AccessToken', 'RefreshToken', 'ClientCredentials', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/**
 * oidc-provider's storage adapter on the one table (its `Adapter` interface, duck-typed: no oidc-provider
 * import here). Each artefact is one item `OIDC#<Model>#<id>` with TTL `expiresAt`; reads also refuse an
 * expired one. A token carrying a grantId gets an entry in the grant's own partition, written in the same
 * transaction, so revokeByGrantId (a reused code, a revoked grant) finds every token with a consistent
 * Query: a GSI would be read eventually consistently and could miss a token issued a moment before.
 */
export class DynamoOidcAdapter {
  constructor(
    private readonly ctx: DynamoContext,
    private readonly model: string,
    /** What a second `consume` of the same artefact throws (oidc-provider's invalid_grant): two racing exchanges of one code cannot both win. */
    private readonly alreadyConsumed: () => Error = () => new Error(`${model} already consumed`),
  ) {}

  /** The ID an artefact is stored under: the SHA-256 of a bearer credential, else the ID itself. */
  private storedId(id: string): string {
    return HASHED_MODELS.has(this.model) ? sha256Hex(id) : id;
  }

  async upsert(rawId: string, payload: OidcPayload, expiresIn: number): Promise<void> {
    const id = this.storedId(rawId);
    const expiresAt = epochSeconds(this.ctx.clock.now()) + Math.max(1, Math.ceil(expiresIn));
    const stored = HASHED_MODELS.has(this.model) ? { ...payload, jti: undefined } : payload;
    const item = { ...keys.oidcModel(this.model, id), entity: 'Oidc', model: this.model, payload: JSON.stringify(stored), expiresAt, ...(payload.grantId ? { grantId: payload.grantId } : {}) };
    const writes: TransactItem[] = [put(this.ctx, item)];
    if (payload.grantId) writes.push(put(this.ctx, { ...keys.oidcGrantEntry(payload.grantId, this.model, id), entity: 'OidcGrantEntry', model: this.model, id, expiresAt }));
    // The pointer carries the session itself too (rewritten with it, deleted with it): findByUid is one read.
    if (this.model === 'Session' && payload.uid) writes.push(put(this.ctx, { ...keys.oidcSessionUid(payload.uid), entity: 'OidcSessionUid', id, payload: item.payload, expiresAt }));
    if (writes.length === 1) await this.ctx.db.send(new PutCommand({ TableName: this.ctx.tableName, Item: item }));
    else await transactWrite(this.ctx, writes);
  }

  async find(id: string): Promise<OidcPayload | undefined> {
    const payload = await this.read(keys.oidcModel(this.model, this.storedId(id)));
    return payload && HASHED_MODELS.has(this.model) ? { ...payload, jti: id } : payload;
  }

  async findByUid(uid: string): Promise<OidcPayload | undefined> {
    return this.read(keys.oidcSessionUid(uid));
  }

  async findByUserCode(): Promise<undefined> {
    return undefined; // the device flow is off
  }

  /**
   * Marks a code (or token) used: oidc-provider refuses a consumed code it reads and revokes its grant. The mark
   * is conditional, so of two exchanges racing past that read only one issues tokens; the other gets `alreadyConsumed`.
   */
  async consume(id: string): Promise<void> {
    try {
      await this.ctx.db.send(
        new UpdateCommand({
          TableName: this.ctx.tableName,
          Key: keys.oidcModel(this.model, this.storedId(id)),
          UpdateExpression: 'SET #consumed = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#consumed)',
          ExpressionAttributeNames: { '#consumed': 'consumed' },
          ExpressionAttributeValues: { ':now': epochSeconds(this.ctx.clock.now()) },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw this.alreadyConsumed();
      throw error;
    }
  }

  async destroy(rawId: string): Promise<void> {
    const id = this.storedId(rawId);
    const result = await this.ctx.db.send(new DeleteCommand({ TableName: this.ctx.tableName, Key: keys.oidcModel(this.model, id), ReturnValues: 'ALL_OLD' }));
    const old = result.Attributes;
    if (typeof old?.grantId === 'string') await this.ctx.db.send(new DeleteCommand({ TableName: this.ctx.tableName, Key: keys.oidcGrantEntry(old.grantId, this.model, id) }));
    const uid = this.model === 'Session' && typeof old?.payload === 'string' ? (JSON.parse(old.payload) as OidcPayload).uid : undefined;
    if (uid) await this.ctx.db.send(new DeleteCommand({ TableName: this.ctx.tableName, Key: keys.oidcSessionUid(uid) }));
  }

  /** Deletes every artefact of this model issued under the grant (and their entries), read consistently. */
  async revokeByGrantId(grantId: string): Promise<void> {
    const entries = await queryAll(this.ctx, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :model)',
      ExpressionAttributeValues: { ':pk': keys.oidcGrantPartition(grantId), ':model': `${encodeURIComponent(this.model)}#` },
      ConsistentRead: true,
    });
    const doomed = entries.flatMap((entry) => [keys.oidcModel(this.model, String(entry.id)), { pk: String(entry.pk), sk: String(entry.sk) }]);
    await batchDelete(this.ctx, doomed);
  }

  private async read(key: TableKey): Promise<OidcPayload | undefined> {
    const item = await this.get(key);
    if (!item || typeof item.payload !== 'string') return undefined;
    const payload = JSON.parse(item.payload) as OidcPayload;
    return typeof item.consumed === 'number' ? { ...payload, consumed: item.consumed } : payload;
  }

  private async get(key: TableKey): Promise<Record<string, unknown> | undefined> {
    const result = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: key, ConsistentRead: true }));
    const item = result.Item;
    if (!item || (typeof item.expiresAt === 'number' && item.expiresAt <= epochSeconds(this.ctx.clock.now()))) return undefined;
    return item;
  }
}
