/**
 * The single table's shape, the one source of truth for the CDK stack and the local twin's
 * table creation. Plain data: no AWS imports, so both sides can read it.
 */
export const tableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes the item some time after (reads also filter on it). */
  ttlAttribute: 'expiresAt',
  /**
   * The stream carries the outbox (adapters/dynamodb/outbox.ts) to the event forwarder; NEW_IMAGE is all it
   * reads (INSERTs of outbox items). CDK declares it on the table; the twin's ensureTable enables it.
   */
  stream: { viewType: 'NEW_IMAGE' },
  globalSecondaryIndexes: [
    {
      // Inverted lookups read eventually consistently: events by category, the tenant list (a user's groups and sessions are base-table entries).
      indexName: 'gsi1',
      partitionKey: 'gsi1pk',
      sortKey: 'gsi1sk',
      projection: 'ALL',
    },
  ],
} as const;

export type TableDefinition = typeof tableDefinition;
