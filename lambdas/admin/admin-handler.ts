import type { ActivityLog } from '../core/activity/events';
import { systemClock, type Clock } from '../core/clock';
import type { TenantRepository } from '../core/tenancy/ports';
import { createLogger, type Logger } from '../http/logger';
import { correlationIdOf, method, path, type HttpEvent, type HttpResult } from '../http/request';
import { json } from '../http/responses';
import { AdminHttpError, toErrorResult } from './errors';
import { operatorTenantRoutes } from './operator-routes';
import { Router, type Route } from './router';

/** A whole surface behind a path prefix (the tenant-admin console plugs in here). */
export type SurfaceHandler = (event: HttpEvent, context: { correlationId: string; logger: Logger }) => Promise<HttpResult>;

export interface AdminHandlerDeps {
  readonly tenants: TenantRepository;
  readonly activity: ActivityLog;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Public base URL of the API (PUBLIC_BASE_URL): the admin Lambda cannot derive it from its own domain. */
  readonly publicBaseUrl?: string;
  /** Extra operator routes (SSO configuration, SCIM enablement and tokens), each under `/operator/`. */
  readonly operatorRoutes?: readonly Route[];
  /**
   * The tenant-admin console (`/`, `/login`, `/api/…`): every path outside `/operator/` and `/health`.
   * @default - such paths answer 404
   */
  readonly console?: SurfaceHandler;
}

const isOperatorPath = (p: string) => p === '/operator' || p.startsWith('/operator/');

/**
 * The admin Lambda: the operator API (only on the IAM-authenticated Function URL, which is the only
 * caller that produces `requestContext.authorizer.iam`) and, beside it, the console surface.
 */
export function createAdminHandler(deps: AdminHandlerDeps): (event: HttpEvent, context?: unknown) => Promise<HttpResult> {
  const clock = deps.clock ?? systemClock;
  const baseLogger = deps.logger ?? createLogger('admin', undefined);
  const operator = new Router([...operatorTenantRoutes({ ...deps, clock }), ...(deps.operatorRoutes ?? [])]);

  return async (event) => {
    const correlationId = correlationIdOf(event);
    const logger = baseLogger.child({ correlationId });
    const started = Date.now();
    const requestPath = path(event);
    let result: HttpResult;
    try {
      if (requestPath === '/health') {
        result = json(200, { status: 'ok', surface: 'admin', time: clock.now().toISOString() });
      } else if (isOperatorPath(requestPath)) {
        const iam = event.requestContext.authorizer?.iam;
        if (!iam) throw new AdminHttpError(403, 'forbidden', 'the operator API is served only on the IAM-authenticated admin URL (sign requests with SigV4)');
        const { route, params } = operator.match(method(event), requestPath);
        const query = event.queryStringParameters ?? {};
        result = await route.handler({ event, params, query, correlationId, logger: logger.child({ operator: iam.userArn ?? iam.accountId }) });
      } else if (deps.console) {
        result = await deps.console(event, { correlationId, logger });
      } else {
        throw new AdminHttpError(404, 'not_found', `no route for ${method(event)} ${requestPath}`);
      }
    } catch (error) {
      result = toErrorResult(error, logger, correlationId);
    }
    // Console paths may carry one-time link material: only operator paths are logged verbatim.
    const logged = isOperatorPath(requestPath) || requestPath === '/health' ? requestPath : '(console)';
    logger.info('request', { method: method(event), path: logged, status: result.statusCode, durationMs: Date.now() - started });
    return { ...result, headers: { ...result.headers, 'x-correlation-id': correlationId } };
  };
}
