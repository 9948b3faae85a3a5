import type { ActivityLog } from '../core/activity/events';
import type { Clock } from '../core/clock';
import { asTenantId } from '../core/ids';
import type { TenantRepository } from '../core/tenancy/ports';
import { createTenant, getTenant, listTenants, upgradePlan } from '../core/tenancy/tenant-admin';
import { json } from '../http/responses';
import type { Route } from './router';
import { createTenantBody, listQuery, parseJsonBody, parseQuery } from './schemas';
import { tenantView } from './tenant-view';

export interface OperatorTenantDeps {
  readonly tenants: TenantRepository;
  readonly activity: ActivityLog;
  readonly clock: Clock;
  /** The API's public base URL, for the URLs shown with each tenant; omitted when unknown. */
  readonly publicBaseUrl?: string;
}

/** `/operator/tenants…`: create, list, show, upgrade. */
export function operatorTenantRoutes(deps: OperatorTenantDeps): Route[] {
  const view = (tenant: Parameters<typeof tenantView>[0]) => tenantView(tenant, deps.publicBaseUrl);
  return [
    {
      method: 'POST',
      pattern: '/operator/tenants',
      handler: async ({ event }) => {
        const body = parseJsonBody(event, createTenantBody);
        const tenant = await createTenant(deps, body);
        return json(201, view(tenant), { location: `/operator/tenants/${tenant.id}` });
      },
    },
    {
      method: 'GET',
      pattern: '/operator/tenants',
      handler: async ({ query }) => {
        const request = parseQuery(query, listQuery);
        const page = await listTenants(deps.tenants, request);
        return json(200, { tenants: page.items.map(view), ...(page.cursor ? { nextCursor: page.cursor } : {}) });
      },
    },
    {
      method: 'GET',
      pattern: '/operator/tenants/{tenantId}',
      handler: async ({ params }) => json(200, view(await getTenant(deps.tenants, asTenantId(params.tenantId!)))),
    },
    {
      method: 'POST',
      pattern: '/operator/tenants/{tenantId}/upgrade',
      handler: async ({ params }) => json(200, view(await upgradePlan(deps, asTenantId(params.tenantId!)))),
    },
  ];
}
