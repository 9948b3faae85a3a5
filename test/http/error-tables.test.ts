import { describe, expect, it } from 'vitest';
import { ADMIN_ERROR_TABLE, adminErrorAnswer } from '../../lambdas/admin/error-table';
import {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  PlanRequiredError,
  PreconditionFailedError,
  TooManyRequestsError,
  UnauthorizedError,
} from '../../lambdas/core/errors';
import { ERROR_KINDS, RequestError, type ErrorKind } from '../../lambdas/http/errors';
import { Logger } from '../../lambdas/http/logger';
import type { ErrorAnswer } from '../../lambdas/http/middlewares/error-answers';
import { httpPipeline } from '../../lambdas/http/pipeline';
import type { HttpResult } from '../../lambdas/http/request';
import { route } from '../../lambdas/http/routes';
import { SAML_ERROR_TABLE, samlErrorAnswer } from '../../lambdas/saml/error-table';
import { SCIM_ERROR_TABLE, scimErrorAnswer } from '../../lambdas/scim/error-table';
import { httpEvent } from '../support/http-event';

/** One thrown value per error kind, with a message carrying markup, as attacker text inside a message would. */
const SECRET = 'stack-detail-that-must-not-leak';
const thrown: Record<ErrorKind, () => unknown> = {
  'not-found': () => new NotFoundError('user <b>x</b> does not exist'),
  conflict: () => new ConflictError('userName <b>x</b> is taken'),
  'invalid-input': () => new InvalidInputError('email <b>x</b> is not valid'),
  'precondition-failed': () => new PreconditionFailedError('the version <b>x</b> is stale'),
  forbidden: () => new ForbiddenError('not <b>yours</b>'),
  unauthorized: () => new UnauthorizedError('who <b>are</b> you'),
  'plan-required': () => new PlanRequiredError('upgrade <b>first</b>'),
  'too-many-requests': () => new TooManyRequestsError('slow <b>down</b>', 7),
  'route-not-found': () => new RequestError('route-not-found', 'nothing here'),
  'method-not-allowed': () => new RequestError('method-not-allowed', 'use GET', { allow: ['GET', 'HEAD'] }),
  'payload-too-large': () => new RequestError('payload-too-large', 'too big'),
  'malformed-request': () => new RequestError('malformed-request', 'not JSON'),
  'unsupported-media-type': () => new RequestError('unsupported-media-type', 'not JSON'),
  internal: () => new Error(SECRET),
};

interface Surface {
  readonly name: string;
  readonly answer: ErrorAnswer;
  readonly path: string;
  readonly statusOf: (kind: ErrorKind) => number;
  readonly check: (kind: ErrorKind, result: HttpResult) => void;
}

const surfaces: Surface[] = [
  {
    name: 'operator API',
    answer: adminErrorAnswer,
    path: '/operator/boom',
    statusOf: (kind) => ADMIN_ERROR_TABLE[kind].status,
    check: (kind, result) => {
      const body = JSON.parse(result.body!);
      expect(body.error.code).toBe(ADMIN_ERROR_TABLE[kind].code);
    },
  },
  {
    name: 'console API',
    answer: adminErrorAnswer,
    path: '/api/boom',
    statusOf: (kind) => ADMIN_ERROR_TABLE[kind].status,
    check: (kind, result) => expect(JSON.parse(result.body!).error.code).toBe(ADMIN_ERROR_TABLE[kind].code),
  },
  {
    name: 'console page',
    answer: adminErrorAnswer,
    path: '/boom',
    statusOf: (kind) => ADMIN_ERROR_TABLE[kind].status,
    check: (_kind, result) => expect(result.headers?.['content-type']).toMatch(/^text\/html/),
  },
  {
    name: 'SCIM',
    answer: scimErrorAnswer,
    path: '/scim/v2/t1/boom',
    statusOf: (kind) => SCIM_ERROR_TABLE[kind].status,
    check: (kind, result) => {
      const body = JSON.parse(result.body!);
      expect(body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
      expect(body.status).toBe(String(SCIM_ERROR_TABLE[kind].status));
      if (SCIM_ERROR_TABLE[kind].scimType) expect(body.scimType).toBe(SCIM_ERROR_TABLE[kind].scimType);
    },
  },
  {
    name: 'SAML sign-in',
    answer: samlErrorAnswer,
    path: '/saml/t1/boom',
    statusOf: (kind) => SAML_ERROR_TABLE[kind].status,
    check: (_kind, result) => {
      expect(result.headers?.['content-type']).toMatch(/^text\/html/);
      expect(result.body).toMatch(/<h1>/);
    },
  },
];

function surfacePipeline(surface: Surface, kind: ErrorKind) {
  return httpPipeline({
    logger: new Logger({}, 'error', () => {}),
    routes: [route('GET', surface.path, async () => Promise.reject(thrown[kind]()))],
    answerError: surface.answer,
    maxBodyBytes: 1024,
    https: true,
  });
}

describe('every error kind through every surface', () => {
  for (const surface of surfaces) {
    for (const kind of ERROR_KINDS) {
      it(`${surface.name}: ${kind}`, async () => {
        const result = await surfacePipeline(surface, kind)(httpEvent('GET', surface.path));
        expect(result.statusCode).toBe(surface.statusOf(kind));
        surface.check(kind, result);
        // Never markup from a message, never the internals of an unexpected error, always the headers.
        expect(result.body).not.toContain('<b>');
        expect(result.body).not.toContain(SECRET);
        expect(result.headers?.['x-content-type-options']).toBe('nosniff');
        if (kind === 'too-many-requests') expect(result.headers?.['retry-after']).toBe('7');
        if (kind === 'method-not-allowed') expect(result.headers?.allow).toContain('GET');
      });
    }
  }

  it('the operator API and the console answer every kind with the same status and code', () => {
    // One table serves both; this pins that neither path gets a private exception.
    for (const kind of ERROR_KINDS) {
      const operator = adminErrorAnswer({ kind, message: 'm' }, thrown[kind](), scope('/operator/x'));
      const console = adminErrorAnswer({ kind, message: 'm' }, thrown[kind](), scope('/api/x'));
      expect(console.statusCode).toBe(operator.statusCode);
      expect(JSON.parse(console.body!).error.code).toBe(JSON.parse(operator.body!).error.code);
    }
  });

  it('maps every kind to the status a client expects on each surface (pinned here, not read back from the tables)', () => {
    const statuses = (table: Record<ErrorKind, { status: number }>) => Object.fromEntries(ERROR_KINDS.map((kind) => [kind, table[kind].status]));
    const common = { 'not-found': 404, conflict: 409, 'invalid-input': 400, unauthorized: 401, 'too-many-requests': 429, 'route-not-found': 404, 'method-not-allowed': 405, 'payload-too-large': 413, 'unsupported-media-type': 415, internal: 500 };
    expect(statuses(ADMIN_ERROR_TABLE)).toEqual({ ...common, 'precondition-failed': 412, forbidden: 403, 'plan-required': 402, 'malformed-request': 400 });
    expect(statuses(SCIM_ERROR_TABLE)).toEqual({ ...common, 'precondition-failed': 412, forbidden: 403, 'plan-required': 403, 'malformed-request': 400 });
    // A person reads SAML's pages: "something changed meanwhile" (409) and "ask your administrator to upgrade" (403).
    expect(statuses(SAML_ERROR_TABLE)).toEqual({ ...common, 'precondition-failed': 409, forbidden: 403, 'plan-required': 403, 'malformed-request': 400 });
  });
});

const scope = (path: string) => ({ correlationId: 'c', log: new Logger({}, 'error', () => {}), method: 'GET', path, cookies: {}, startedAt: 0, body: { kind: 'none' as const } });
