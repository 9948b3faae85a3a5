/**
 * The single table's shape, the one source of truth for the CDK stack and the local twin's
 * table creation. Plain data: no AWS imports, so both sides can read it.
 */
export const tableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes the item some time after (reads also filter on it). */
  ttlAttribute: 'expiresAt',
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
