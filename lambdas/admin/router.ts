import type { Logger } from '../http/logger';
import type { HttpEvent, HttpResult } from '../http/request';
import { AdminHttpError } from './errors';

export interface RouteRequest {
  readonly event: HttpEvent;
  /** Path parameters by name, URL-decoded. */
  readonly params: Record<string, string>;
  readonly query: Record<string, string | undefined>;
  readonly correlationId: string;
  readonly logger: Logger;
}

export type RouteHandler = (request: RouteRequest) => Promise<HttpResult>;

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** e.g. `/operator/tenants/{tenantId}/scim/tokens/{tokenId}`; `{name}` matches one path segment. */
  readonly pattern: string;
  readonly handler: RouteHandler;
}

interface CompiledRoute extends Route {
  readonly regex: RegExp;
  readonly names: string[];
}

/** A small route table: exact segments and `{param}` segments; 404 for unknown paths, 405 for a wrong method. */
export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.routes = routes.map((route) => {
      const names: string[] = [];
      const source = route.pattern
        .split('/')
        .map((segment) => {
          const param = /^\{(\w+)\}$/.exec(segment);
          if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(param[1]!);
          return '([^/]+)';
        })
        .join('/');
      return { ...route, regex: new RegExp(`^${source}/?$`), names };
    });
  }

  /** Finds the route and its parameters, or throws the 404/405 the caller should answer. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const found = route.regex.exec(path);
      if (!found) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        try {
          params[name] = decodeURIComponent(found[i + 1]!);
        } catch {
          throw new AdminHttpError(400, 'invalid_path', `path parameter ${name} is not valid percent-encoding`);
        }
      });
      return { route, params };
    }
    if (allowed.length > 0) throw new AdminHttpError(405, 'method_not_allowed', `${method} is not allowed on ${path}; use ${allowed.join(' or ')}`, { allow: allowed.join(', ') });
    throw new AdminHttpError(404, 'not_found', `no route for ${method} ${path}`);
  }
}
