import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ActivityCategory, ActivityEvent, ActivityLog } from '../../core/activity/events';
import type { TenantId } from '../../core/ids';
import type { Page, PageRequest } from '../../core/paging';
import { items } from './items';
import { GSI1, keys, prefixes } from './keys';
import { put, queryPage, transactWrite, type DynamoContext } from './operations';
import { outboxPuts } from './outbox';
import type { DirectoryEvent } from '../../core/events/directory-event';

/**
 * One item per event in the tenant's event partition, newest first by sort key; the same item is
 * in GSI1 under a per-category partition, so a category filter reads only matching events (no
 * FilterExpression, no empty pages). Events expire after 180 days (TTL).
 */
export class DynamoActivityLog implements ActivityLog {
  constructor(private readonly ctx: DynamoContext) {}

  async record(event: ActivityEvent, directoryEvents: readonly DirectoryEvent[] = []): Promise<void> {
    if (directoryEvents.length === 0) {
      await this.ctx.db.send(new PutCommand({ TableName: this.ctx.tableName, Item: items.activity.encode(event) }));
      return;
    }
    await transactWrite(this.ctx, [put(this.ctx, items.activity.encode(event)), ...outboxPuts(this.ctx, directoryEvents)]);
  }

  async list(tenantId: TenantId, page: PageRequest & { category?: ActivityCategory }): Promise<Page<ActivityEvent>> {
    if (page.category === undefined) {
      const partition = keys.eventPartition(tenantId);
      return queryPage(
        this.ctx,
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': partition, ':prefix': prefixes.event },
          ScanIndexForward: false,
          // Consistent (an admin-only page): the console shows the event of the action just taken.
          ConsistentRead: true,
        },
        page,
        { attributes: ['pk', 'sk'], fixed: { pk: partition }, prefixed: { sk: prefixes.event } },
        items.activity.decode,
      );
    }
    const partition = keys.eventCategoryPartition(tenantId, page.category);
    return queryPage(
      this.ctx,
      {
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :partition AND begins_with(gsi1sk, :prefix)',
        ExpressionAttributeValues: { ':partition': partition, ':prefix': prefixes.event },
        ScanIndexForward: false,
        // GSI, eventually consistent: a log view; an event written within the lag shows on the next load.
      },
      page,
      {
        attributes: ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
        fixed: { pk: keys.eventPartition(tenantId), gsi1pk: partition },
        prefixed: { sk: prefixes.event, gsi1sk: prefixes.event },
      },
      items.activity.decode,
    );
  }
}
