import { createDynamoAdapters, type DocumentSender } from '../adapters/dynamodb/index';
import { systemClock } from '../core/clock';
import { createLogger } from '../http/logger';
import { requestCount } from '../http/metrics';
import { httpPipeline, type HttpHandler } from '../http/pipeline';
import type { Route } from '../http/routes';
import type { ConsoleConfig } from './console/compose';
import { ADMIN_MAX_BODY_BYTES, adminErrorAnswer, isOperatorPath } from './error-table';
import { adminRoutes, type AdminSurface } from './routes';

/** Everything the admin Lambda is composed from; the deployed handler and the local twin both go through here. */
export interface AdminRuntime extends ConsoleConfig {
  readonly db: DocumentSender;
  readonly tableName: string;
}

/** The admin surface on the shared pipeline; `extraRoutes` lets tests add routes behind the same middlewares and error table. */
export function adminPipeline(surface: AdminSurface, extraRoutes: readonly Route[] = []): HttpHandler {
  return httpPipeline({
    logger: surface.logger ?? createLogger('admin', undefined),
    routes: [...adminRoutes(surface), ...extraRoutes],
    answerError: adminErrorAnswer,
    maxBodyBytes: ADMIN_MAX_BODY_BYTES,
    // Deployed Function URLs are https; the twin serves the console over http.
    https: surface.runtimeMode === 'deployed',
    // The operator API and the console share this function: counted apart.
    requestMetrics: (request) => [requestCount(isOperatorPath(request.path) ? 'operator' : 'console', request.status)],
  });
}

/** The composition root of the admin surface: DynamoDB adapters over the runtime, then the pipeline. */
export function composeAdminHandler(runtime: AdminRuntime): HttpHandler {
  const clock = runtime.clock ?? systemClock;
  const adapters = createDynamoAdapters({ db: runtime.db, tableName: runtime.tableName, clock });
  return adminPipeline({ ...adapters, ...runtime, clock });
}
