import type { ActivityLog } from '../core/activity/events';
import type { Clock } from '../core/clock';
import { ForbiddenError, NotFoundError } from '../core/errors';
import { asTenantId, TENANT_ID_PATTERN } from '../core/ids';
import type { TenantRepository } from '../core/tenancy/ports';
import { createTenant, getTenant, listTenants, upgradePlan } from '../core/tenancy/tenant-admin';
import { json } from '../http/responses';
import { route, type Route } from '../http/routes';
import { createTenantBody, jsonBody, listQuery, queryOf } from './schemas';
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
    route('POST', '/operator/tenants', async ({ body }) => {
      const tenant = await createTenant(deps, jsonBody(body, createTenantBody, { whenEmpty: 'a JSON body is required' }));
      return json(201, view(tenant), { location: `/operator/tenants/${tenant.id}` });
    }),
    route('GET', '/operator/tenants', async ({ query }) => {
      const page = await listTenants(deps.tenants, queryOf(query, listQuery));
      return json(200, { tenants: page.items.map(view), ...(page.cursor ? { nextCursor: page.cursor } : {}) });
    }),
    route('GET', '/operator/tenants/{tenantId}', async ({ params }) => json(200, view(await getTenant(deps.tenants, asTenantId(params.tenantId!))))),
    route('POST', '/operator/tenants/{tenantId}/upgrade', async ({ params }) => json(200, view(await upgradePlan(deps, asTenantId(params.tenantId!))))),
  ];
}

/**
 * The operator API's guard: only the IAM-authenticated Function URL produces `requestContext.authorizer.iam`,
 * so a request without it (the console's public URL) is refused before the route runs.
 */
export function operatorOnly(entry: Route): Route {
  return route(entry.method, entry.path, async (request) => {
    const iam = request.event.requestContext.authorizer?.iam;
    if (!iam) throw new ForbiddenError('the operator API is served only on the IAM-authenticated admin URL (sign requests with SigV4)');
    // An ID no tenant can have never reaches storage (a 3 KB path segment would exceed DynamoDB's key size).
    const tenantId = request.params.tenantId;
    if (tenantId !== undefined && !TENANT_ID_PATTERN.test(tenantId)) throw new NotFoundError('there is no tenant with this ID: tenant IDs look like t followed by 12 letters and digits');
    return entry.handler({ ...request, log: request.log.child({ operator: iam.userArn ?? iam.accountId }) });
  });
}
