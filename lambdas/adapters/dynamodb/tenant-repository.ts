import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, InvalidInputError, NotFoundError, PreconditionFailedError } from '../../core/errors';
import type { TenantId } from '../../core/ids';
import type { Page, PageRequest } from '../../core/paging';
import type { TenantRepository } from '../../core/tenancy/ports';
import { normaliseDomain, type Tenant } from '../../core/tenancy/tenant';
import { items } from './items';
import { eventsOf, outboxPuts } from './outbox';
import { currentChange } from '../../core/events/change-context';
import { GSI1, keys, prefixes } from './keys';
import { ConditionsFailed, del, mustNotExist, put, queryPage, transactWrite, versionIs, type DynamoContext, type TransactItem } from './operations';
import { assertNextVersion } from './versions';

/** A replace may release and claim every domain in one transaction (100 items at most). */
export const MAX_DOMAINS_PER_TENANT = 45;

export class DynamoTenantRepository implements TenantRepository {
  constructor(private readonly ctx: DynamoContext) {}

  async create(tenant: Tenant): Promise<void> {
    const domains = checkedDomains(tenant);
    const writes: TransactItem[] = [
      put(this.ctx, items.tenant.encode(tenant), mustNotExist),
      ...domains.map((domain) => put(this.ctx, items.domainGuard.encode(domain, tenant.id), mustNotExist)),
    ];
    try {
      await transactWrite(this.ctx, writes);
    } catch (error) {
      if (!(error instanceof ConditionsFailed)) throw error;
      if (error.failedIndexes.includes(0)) throw new ConflictError(`tenant ${tenant.id} already exists`, { cause: error });
      throw domainConflict(domains, error.failedIndexes.map((index) => index - 1), error);
    }
  }

  /**
   * Consistent: the operator and console read-modify-write tenants (a `scim enable` right after
   * `tenant create` must find it), and SCIM and SAML decide from it whether a tenant may be served.
   */
  async get(tenantId: TenantId): Promise<Tenant | undefined> {
    return this.read(tenantId);
  }

  async replace(tenant: Tenant, expectedVersion: number): Promise<void> {
    assertNextVersion('tenant', tenant.version, expectedVersion);
    const domains = checkedDomains(tenant);
    const current = await this.read(tenant.id);
    if (!current) throw new NotFoundError(`tenant ${tenant.id} does not exist`);
    if (current.version !== expectedVersion) throw stale(tenant.id, expectedVersion, current.version);

    const before = new Set(current.domains.map(normaliseDomain));
    const claimed = domains.filter((domain) => !before.has(domain));
    const released = [...before].filter((domain) => !domains.includes(domain));
    const writes: TransactItem[] = [
      put(this.ctx, items.tenant.encode(tenant), versionIs(expectedVersion)),
      ...claimed.map((domain) => put(this.ctx, items.domainGuard.encode(domain, tenant.id), mustNotExist)),
      ...released.map((domain) => del(this.ctx, keys.domainGuard(domain))),
      ...outboxPuts(this.ctx, eventsOf(this.ctx).tenantReplaced(current, tenant, currentChange())),
    ];
    try {
      await transactWrite(this.ctx, writes);
    } catch (error) {
      if (!(error instanceof ConditionsFailed)) throw error;
      if (error.failedIndexes.includes(0)) {
        const now = await this.read(tenant.id);
        if (!now) throw new NotFoundError(`tenant ${tenant.id} does not exist`, { cause: error });
        throw stale(tenant.id, expectedVersion, now.version);
      }
      throw domainConflict(claimed, error.failedIndexes.map((index) => index - 1), error);
    }
  }

  async findByDomain(domain: string): Promise<Tenant | undefined> {
    // Consistent: sign-in discovery right after an operator claimed the domain must find the tenant.
    const guard = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: keys.domainGuard(domain), ConsistentRead: true }));
    if (!guard.Item) return undefined;
    return this.get(items.domainGuard.decode(guard.Item));
  }

  async list(page: PageRequest): Promise<Page<Tenant>> {
    return queryPage(
      this.ctx,
      {
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :partition',
        ExpressionAttributeValues: { ':partition': keys.tenantListPartition },
        ScanIndexForward: true,
        // GSI, eventually consistent: an operator listing, and the metadata refresh that walks it comes back every few minutes.
      },
      page,
      {
        attributes: ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
        fixed: { gsi1pk: keys.tenantListPartition, sk: 'TENANT' },
        prefixed: { pk: prefixes.tenantPk },
      },
      items.tenant.decode,
    );
  }

  private async read(tenantId: TenantId): Promise<Tenant | undefined> {
    const result = await this.ctx.db.send(new GetCommand({ TableName: this.ctx.tableName, Key: keys.tenant(tenantId), ConsistentRead: true }));
    return result.Item ? items.tenant.decode(result.Item) : undefined;
  }
}

function checkedDomains(tenant: Tenant): string[] {
  const domains = [...new Set(tenant.domains.map(normaliseDomain))];
  if (domains.length > MAX_DOMAINS_PER_TENANT) {
    throw new InvalidInputError(`a tenant can claim at most ${MAX_DOMAINS_PER_TENANT} domains, got ${domains.length}`);
  }
  return domains;
}

function domainConflict(domains: string[], failedDomainIndexes: number[], cause: Error): ConflictError {
  const taken = failedDomainIndexes.map((index) => domains[index]).filter((domain) => domain !== undefined);
  const names = taken.map((domain) => `"${domain}"`).join(', ');
  return new ConflictError(
    taken.length === 1 ? `domain ${names} already belongs to another tenant` : `domains ${names} already belong to another tenant`,
    { cause },
  );
}

const stale = (tenantId: TenantId, expected: number, actual: number) =>
  new PreconditionFailedError(`tenant ${tenantId} changed meanwhile (version ${actual}, the update was based on ${expected}); reload and retry`);
