import type { Clock } from '../core/clock';
import { json } from '../http/responses';
import { route, type Route } from '../http/routes';
import { consoleDeps, type ConsoleRuntime } from './console/compose';
import { consoleLinkRoute } from './console/links';
import { consoleRoutes } from './console/routes';
import { operatorSsoScimRoutes } from './operator-sso-scim-routes';
import { adminUseCases } from './use-cases';
import { operatorOnly, operatorTenantRoutes } from './operator-routes';
import { operatorAppRoutes } from './operator-app-routes';
import type { AppClientRepository } from '../core/oidc/apps';

/** Everything the admin Lambda's routes are built from (adapters, configuration, clock). */
export type AdminSurface = ConsoleRuntime & { readonly clock: Clock; readonly apps: AppClientRepository };

/**
 * The admin Lambda's one route table: `/health`, the operator API (each route guarded: IAM callers only)
 * and the tenant-admin console (`/`, `/login`, pages, `/api/…`, `/assets/…`).
 */
export function adminRoutes(surface: AdminSurface): Route[] {
  const useCases = adminUseCases(surface);
  const operator = [...operatorTenantRoutes(surface), ...operatorSsoScimRoutes(useCases), consoleLinkRoute(surface), ...operatorAppRoutes(surface)];
  return [
    route('GET', '/health', async () => json(200, { status: 'ok', surface: 'admin', time: surface.clock.now().toISOString() })),
    ...operator.map(operatorOnly),
    ...consoleRoutes(consoleDeps(surface, useCases)),
  ];
}
