import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../../core/clock';
import { sha256Hex } from '../../core/digest';
import { keys, type TableKey } from './keys';
import { batchDelete, ConditionsFailed, isConditionalCheckFailed, put, queryAll, transactWrite, type DynamoContext, type TransactItem } from './operations';

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
/** How long a revoked grant's mark outlives it: longer than any grant (8 h) or token lives. */
const REVOKED_GRANT_TTL_SEC = 24 * 60 * 60;

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
    if (payload.grantId) {
      writes.push(put(this.ctx, { ...keys.oidcGrantEntry(payload.grantId, this.model, id), entity: 'OidcGrantEntry', model: this.model, id, expiresAt }));
      // A token of a grant revoked meanwhile (the same code exchanged twice at once) is not stored.
      if (HASHED_MODELS.has(this.model)) writes.push({ ConditionCheck: { TableName: this.ctx.tableName, Key: keys.oidcGrantRevoked(payload.grantId), ConditionExpression: 'attribute_not_exists(pk)' } });
    }
    // The pointer carries the session itself too (rewritten with it, deleted with it): findByUid is one read.
    if (this.model === 'Session' && payload.uid) writes.push(put(this.ctx, { ...keys.oidcSessionUid(payload.uid), entity: 'OidcSessionUid', id, payload: item.payload, expiresAt }));
    if (writes.length === 1) await this.ctx.db.send(new PutCommand({ TableName: this.ctx.tableName, Item: item }));
    else {
      try {
        await transactWrite(this.ctx, writes);
      } catch (error) {
        if (error instanceof ConditionsFailed) throw this.alreadyConsumed();
        throw error;
      }
    }
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
      if (!isConditionalCheckFailed(error)) throw error;
      // Used twice (RFC 6749 §4.1.2): the grant's tokens go, including those of an exchange racing this one.
      const grantId = (await this.read(keys.oidcModel(this.model, this.storedId(id))))?.grantId;
      if (grantId) await this.revokeGrant(grantId);
      throw this.alreadyConsumed();
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

  /**
   * Deletes every artefact of this model issued under the grant (and their entries), read consistently, after
   * marking the grant revoked so that no token of it is stored later.
   */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.markRevoked(grantId);
    await this.deleteEntries(grantId, `${encodeURIComponent(this.model)}#`);
  }

  /** Every model's artefacts of the grant: the mark first, so an exchange racing this one stores nothing after the read. */
  private async revokeGrant(grantId: string): Promise<void> {
    await this.markRevoked(grantId);
    await this.deleteEntries(grantId);
  }

  private async markRevoked(grantId: string): Promise<void> {
    const expiresAt = epochSeconds(this.ctx.clock.now()) + REVOKED_GRANT_TTL_SEC;
    await this.ctx.db.send(new PutCommand({ TableName: this.ctx.tableName, Item: { ...keys.oidcGrantRevoked(grantId), entity: 'OidcGrantRevoked', expiresAt } }));
  }

  private async deleteEntries(grantId: string, skPrefix?: string): Promise<void> {
    const entries = await queryAll(this.ctx, {
      KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.oidcGrantPartition(grantId), ...(skPrefix ? { ':prefix': skPrefix } : {}) },
      ConsistentRead: true,
    });
    const tokens = entries.filter((entry) => entry.entity === 'OidcGrantEntry');
    await batchDelete(this.ctx, tokens.flatMap((entry) => [keys.oidcModel(String(entry.model), String(entry.id)), { pk: String(entry.pk), sk: String(entry.sk) }]));
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
