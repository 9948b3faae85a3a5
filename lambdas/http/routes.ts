import type { Logger } from './logger';
import type { HttpEvent, HttpResult } from './request';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The request body after the body middleware: parsed by content type, within the surface's size limit. */
export type ParsedBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'form'; readonly value: URLSearchParams }
  | { readonly kind: 'text'; readonly value: string; readonly contentType: string };

/** What every route handler receives: the event and what the pipeline's middlewares already worked out. */
export interface RouteRequest {
  readonly event: HttpEvent;
  readonly method: string;
  readonly path: string;
  /** Path parameters by name, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly cookies: Readonly<Record<string, string | undefined>>;
  readonly body: ParsedBody;
  readonly correlationId: string;
  readonly log: Logger;
}

export type RouteHandler = (request: RouteRequest) => Promise<HttpResult>;

export interface Route {
  readonly method: HttpMethod;
  /** `@middy/http-router` syntax: `/saml/{tenantId}/acs`, `/scim/v2/{tenantId}/{proxy+}`. */
  readonly path: string;
  readonly handler: RouteHandler;
}

/** Builds a route table entry; a GET route also answers HEAD (API Gateway drops the body). */
export const route = (method: HttpMethod, path: string, handler: RouteHandler): Route => ({ method, path, handler });
