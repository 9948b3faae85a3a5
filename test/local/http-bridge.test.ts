import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGatewayTime, isTextContentType, matchRoute, toHttpEvent, writeHttpResult, type RawRequest } from '../../local/http-bridge';
import { apiRoutes } from '../../local/routes';
import { cookiesOf } from '../../lambdas/http/cookies';
import { bodyText } from '../../lambdas/http/request';

const raw = (overrides: Partial<RawRequest> = {}): RawRequest => ({
  method: 'GET',
  url: '/',
  rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'vitest'],
  httpVersion: '1.1',
  sourceIp: '127.0.0.1',
  body: Buffer.alloc(0),
  ...overrides,
});
const route = { routeKey: '$default' };

describe('toHttpEvent', () => {
  it('builds the payload 2.0 envelope', () => {
    const now = new Date('2026-03-12T19:03:58.123Z');
    const event = toHttpEvent(raw({ url: '/signin' }), { route: { routeKey: 'GET /signin' }, now, requestId: 'req-12345678' });
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /signin',
      rawPath: '/signin',
      rawQueryString: '',
      isBase64Encoded: false,
      requestContext: {
        domainName: '127.0.0.1:3000',
        stage: '$default',
        requestId: 'req-12345678',
        routeKey: 'GET /signin',
        timeEpoch: now.getTime(),
        time: '12/Mar/2026:19:03:58 +0000',
        http: { method: 'GET', path: '/signin', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      },
    });
    expect(event.body).toBeUndefined();
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.cookies).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
  });

  it('lowercases header names and joins repeated headers with commas', () => {
    const event = toHttpEvent(raw({ rawHeaders: ['X-Custom', 'a', 'x-custom', 'b', 'Accept', 'text/html'] }), { route });
    expect(event.headers['x-custom']).toBe('a,b');
    expect(event.headers.accept).toBe('text/html');
    expect(event.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(event.headers['x-forwarded-proto']).toBe('http');
  });

  it('moves cookies from the Cookie headers into the cookies array', () => {
    const event = toHttpEvent(raw({ rawHeaders: ['Cookie', 'a=1; natoma_session=abc%3D', 'Cookie', 'b=2'] }), { route });
    expect(event.cookies).toEqual(['a=1', 'natoma_session=abc%3D', 'b=2']);
    expect(event.headers.cookie).toBeUndefined();
    expect(cookiesOf(event).natoma_session).toBe('abc=');
  });

  it('keeps the raw query string and decodes parameters, joining repeats with commas', () => {
    const event = toHttpEvent(raw({ url: '/scim/v2/t1/Users?filter=userName%20eq%20%22a%40b.c%22&x=1&x=2&empty=' }), { route });
    expect(event.rawQueryString).toBe('filter=userName%20eq%20%22a%40b.c%22&x=1&x=2&empty=');
    expect(event.queryStringParameters).toEqual({ filter: 'userName eq "a@b.c"', x: '1,2', empty: '' });
    expect(event.rawPath).toBe('/scim/v2/t1/Users');
  });

  it('passes JSON and XML bodies as text', () => {
    for (const type of ['application/json', 'application/scim+json; charset=utf-8', 'text/xml', 'application/samlmetadata+xml']) {
      const event = toHttpEvent(raw({ method: 'POST', rawHeaders: ['Content-Type', type], body: Buffer.from('{"a":"é"}') }), { route });
      expect(event.isBase64Encoded).toBe(false);
      expect(event.body).toBe('{"a":"é"}');
    }
  });

  it('base64-encodes form posts and binary bodies, which bodyText() decodes', () => {
    const form = toHttpEvent(raw({ method: 'POST', rawHeaders: ['Content-Type', 'application/x-www-form-urlencoded'], body: Buffer.from('SAMLResponse=PHg%2B&RelayState=r') }), { route });
    expect(form.isBase64Encoded).toBe(true);
    expect(form.body).toBe(Buffer.from('SAMLResponse=PHg%2B&RelayState=r').toString('base64'));
    expect(bodyText(form)).toBe('SAMLResponse=PHg%2B&RelayState=r');
    const binary = toHttpEvent(raw({ method: 'POST', rawHeaders: ['Content-Type', 'application/octet-stream'], body: Buffer.from([0, 255, 1]) }), { route });
    expect(Buffer.from(binary.body!, 'base64')).toEqual(Buffer.from([0, 255, 1]));
  });

  it('injects an authorizer context when given one', () => {
    const event = toHttpEvent(raw(), { route, authorizer: { iam: { userArn: 'arn:aws:iam::000000000000:user/op' } } });
    expect(event.requestContext.authorizer?.iam?.userArn).toBe('arn:aws:iam::000000000000:user/op');
  });

  it('classifies content types like API Gateway', () => {
    expect(isTextContentType('text/html; charset=utf-8')).toBe(true);
    expect(isTextContentType('application/json')).toBe(true);
    expect(isTextContentType('application/x-www-form-urlencoded')).toBe(false);
    expect(isTextContentType(undefined)).toBe(false);
  });

  it('formats requestContext.time like API Gateway', () => {
    expect(apiGatewayTime(new Date('2020-01-02T03:04:05Z'))).toBe('02/Jan/2020:03:04:05 +0000');
  });
});

describe('matchRoute over the API routes', () => {
  it('fills path parameters and the route key', () => {
    expect(matchRoute(apiRoutes, 'POST', '/saml/tabc/acs')).toEqual({ routeKey: 'POST /saml/{tenantId}/acs', pathParameters: { tenantId: 'tabc' } });
    expect(matchRoute(apiRoutes, 'GET', '/health')).toEqual({ routeKey: 'GET /health' });
  });

  it('matches the greedy SCIM proxy and the bare SCIM base', () => {
    expect(matchRoute(apiRoutes, 'PATCH', '/scim/v2/t1/Groups/g%201')).toEqual({
      routeKey: 'ANY /scim/v2/{tenantId}/{proxy+}',
      pathParameters: { tenantId: 't1', proxy: 'Groups/g 1' },
    });
    expect(matchRoute(apiRoutes, 'GET', '/scim/v2/t1')).toEqual({ routeKey: 'ANY /scim/v2/{tenantId}', pathParameters: { tenantId: 't1' } });
  });

  it('matches nothing for an unknown path or a method the route lacks', () => {
    expect(matchRoute(apiRoutes, 'GET', '/nope')).toBeUndefined();
    expect(matchRoute(apiRoutes, 'GET', '/saml/t1/acs')).toBeUndefined();
    expect(matchRoute(apiRoutes, 'GET', '/saml/t1/metadata/extra')).toBeUndefined();
  });
});

describe('writeHttpResult', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/binary') return writeHttpResult(res, { statusCode: 200, headers: { 'Content-Type': 'image/png' }, body: Buffer.from([137, 80, 78, 71]).toString('base64'), isBase64Encoded: true });
      writeHttpResult(res, { statusCode: 302, headers: { location: '/dashboard' }, cookies: ['a=1; Path=/; HttpOnly', 'b=2; Path=/; HttpOnly'] });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = (path: string) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port, path }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });

  it('sends each cookie as its own Set-Cookie header', async () => {
    const res = await get('/');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/dashboard');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/; HttpOnly']);
  });

  it('decodes a base64 body to bytes', async () => {
    const res = await get('/binary');
    expect(res.headers['content-type']).toBe('image/png');
    expect([...res.body]).toEqual([137, 80, 78, 71]);
  });
});
