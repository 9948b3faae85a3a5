import { createDynamoAdapters, type DocumentSender } from '../adapters/dynamodb/index';
import { idpMetadataSource } from '../adapters/saml-metadata/index';
import { systemClock } from '../core/clock';
import { IdpMetadataRefresh } from '../core/sso/metadata-refresh';
import type { Logger } from '../http/logger';
import type { MaintenanceDeps } from './run';

/** What the maintenance run is composed from; the deployed handler and the twin's schedule both go through here. */
export interface MaintenanceRuntime {
  readonly db: DocumentSender;
  readonly tableName: string;
  readonly runtimeMode: 'deployed' | 'local';
  readonly logger: Logger;
}

/** Adapters and the metadata refresh, built once per container. */
export function composeMaintenance(runtime: MaintenanceRuntime): Omit<MaintenanceDeps, 'now'> {
  const adapters = createDynamoAdapters({ db: runtime.db, tableName: runtime.tableName });
  const metadata = idpMetadataSource({ mode: runtime.runtimeMode });
  const refresh = new IdpMetadataRefresh({ tenants: adapters.tenants, ephemeral: adapters.ephemeral, activity: adapters.activity, clock: systemClock, metadata });
  return {
    purgePendingGroupMemberships: (maxItems) => adapters.purgePendingGroupMemberships(maxItems),
    logger: runtime.logger,
    metadataRefresh: { listTenants: (page) => adapters.tenants.list(page), refreshIfDue: (tenant) => refresh.refreshIfDue(tenant) },
  };
}
