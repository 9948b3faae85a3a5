import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../lambdas/core/errors';
import type { Failure } from '../../lambdas/http/errors';
import { Logger } from '../../lambdas/http/logger';
import { httpPipeline } from '../../lambdas/http/pipeline';
import { json } from '../../lambdas/http/responses';
import { route, type RouteRequest } from '../../lambdas/http/routes';
import { httpEvent } from '../support/http-event';

function pipeline(routes = defaultRoutes(), https = true) {
  const lines: string[] = [];
  const handler = httpPipeline({
    logger: new Logger({ service: 'test' }, 'debug', (line) => lines.push(line)),
    routes,
    https,
    maxBodyBytes: 1024,
    answerError: (failure: Failure) => json(statusOf(failure), { kind: failure.kind, message: failure.message, allow: failure.allow }),
  });
  return { handler, lines };
}

const statusOf = (failure: Failure): number =>
  ({ 'route-not-found': 404, 'method-not-allowed': 405, 'payload-too-large': 413, 'malformed-request': 400, conflict: 409, internal: 500 })[failure.kind as string] ?? 400;

let seen: RouteRequest | undefined;
function defaultRoutes() {
  return [
    route('GET', '/things/{thingId}', async (request) => {
      seen = request;
      return json(200, { id: request.params.thingId, session: request.cookies.natoma_session ?? null });
    }),
    route('POST', '/things', async (request) => {
      seen = request;
      return json(201, { body: request.body });
    }),
    route('GET', '/page', async () => ({ statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<p>hi</p>' })),
    route('GET', '/conflict', async () => {
      throw new ConflictError('that name is taken');
    }),
    route('GET', '/bug', async () => {
      throw new Error('secret internal detail natoma_scim_abcdef');
    }),
  ];
}

describe('the shared request pipeline', () => {
  it('routes by method and path template and decodes path parameters', async () => {
    const { handler } = pipeline();
    const result = await handler(httpEvent('GET', '/things/a%20b'));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body!)).toEqual({ id: 'a b', session: null });
  });

  it('answers HEAD on a GET route, 405 naming the allowed methods, and 404 for unknown paths', async () => {
    const { handler } = pipeline();
    expect((await handler(httpEvent('HEAD', '/things/x'))).statusCode).toBe(200);
    const wrongMethod = await handler(httpEvent('DELETE', '/things/x'));
    expect(wrongMethod.statusCode).toBe(405);
    expect(JSON.parse(wrongMethod.body!).allow).toEqual(['GET', 'HEAD']);
    expect((await handler(httpEvent('GET', '/nothing/here'))).statusCode).toBe(404);
  });

  it('parses cookies with the cookie package: a malformed percent-encoding is kept, not a 500', async () => {
    const { handler } = pipeline();
    const result = await handler(httpEvent('GET', '/things/x', { cookies: ['natoma_session=%', 'other=%E0%A4%A'] }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body!).session).toBe('%');
  });

  it('refuses a path parameter that is not valid percent-encoding with a 400', async () => {
    const { handler } = pipeline();
    const result = await handler(httpEvent('GET', '/things/%E0%A4%A'));
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body!).kind).toBe('malformed-request');
  });

  it('parses JSON (including +json types) and forms once, and refuses bad JSON without echoing it', async () => {
    const { handler } = pipeline();
    await handler(httpEvent('POST', '/things', { body: '{"a":1}', headers: { 'content-type': 'application/scim+json; charset=utf-8' } }));
    expect(seen?.body).toEqual({ kind: 'json', value: { a: 1 } });
    await handler(httpEvent('POST', '/things', { form: { email: 'a@b.test' } }));
    expect(seen?.body.kind).toBe('form');
    const bad = await handler(httpEvent('POST', '/things', { body: '{"<script>', headers: { 'content-type': 'application/json' } }));
    expect(bad.statusCode).toBe(400);
    expect(bad.body).not.toContain('<script>');
  });

  it('refuses a body over the surface limit unread (413)', async () => {
    const { handler } = pipeline();
    const result = await handler(httpEvent('POST', '/things', { json: { padding: 'x'.repeat(2000) } }));
    expect(result.statusCode).toBe(413);
    expect(JSON.parse(result.body!).kind).toBe('payload-too-large');
  });

  it('maps domain errors through the surface table and logs no message text at info level', async () => {
    const { handler, lines } = pipeline();
    const result = await handler(httpEvent('GET', '/conflict'));
    expect(result.statusCode).toBe(409);
    expect(JSON.parse(result.body!).message).toBe('that name is taken');
    expect(lines.some((line) => JSON.parse(line).message === 'request refused')).toBe(true);
    expect(lines.join('\n')).not.toContain('that name is taken');
  });

  it('answers an unexpected error as internal, logs its stack with secrets redacted, and shows nothing of it', async () => {
    const { handler, lines } = pipeline();
    const result = await handler(httpEvent('GET', '/bug', { headers: { 'x-correlation-id': 'corr-12345678' } }));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('secret internal detail');
    expect(result.headers?.['x-correlation-id']).toBe('corr-12345678');
    const failure = lines.map((line) => JSON.parse(line)).find((entry) => entry.message === 'request failed');
    expect(failure.correlationId).toBe('corr-12345678');
    expect(failure.error.stack).toContain('pipeline.test.ts');
    expect(JSON.stringify(failure)).not.toContain('natoma_scim_abcdef');
  });

  it('adds the security headers to every answer, errors included, and the page policy to HTML', async () => {
    const { handler } = pipeline();
    for (const target of ['/things/x', '/conflict', '/nothing', '/bug']) {
      const headers = (await handler(httpEvent('GET', target))).headers ?? {};
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBe('no-referrer');
      expect(headers['strict-transport-security']).toMatch(/max-age=/);
      expect(headers['x-correlation-id']).toBeTruthy();
    }
    const page = (await handler(httpEvent('GET', '/page'))).headers ?? {};
    expect(page['x-frame-options']).toBe('DENY');
    expect(page['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('sends no HSTS from the http twin', async () => {
    const { handler } = pipeline(defaultRoutes(), false);
    expect((await handler(httpEvent('GET', '/things/x'))).headers?.['strict-transport-security']).toBeUndefined();
  });
});
