import { describe, expect, it } from 'vitest';
import type { Failure } from '../../lambdas/http/errors';
import { Logger } from '../../lambdas/http/logger';
import { emfDocument, requestCount } from '../../lambdas/http/metrics';
import { httpPipeline } from '../../lambdas/http/pipeline';
import { json } from '../../lambdas/http/responses';
import { route } from '../../lambdas/http/routes';
import { scimOperationOf, scimRequestMetrics } from '../../lambdas/scim/metrics';
import { emfLinesOf, expectValidEmf } from '../support/emf';
import { httpEvent } from '../support/http-event';

function pipeline(requestMetrics = scimRequestMetrics) {
  const lines: string[] = [];
  const handler = httpPipeline({
    // At `error` level the access log is off: EMF lines are written whatever the level.
    logger: new Logger({ service: 'test' }, 'error', (line) => lines.push(line)),
    routes: [route('GET', '/scim/v2/{tenantId}/Users', async () => json(200, { ok: true })), route('PATCH', '/scim/v2/{tenantId}/Groups/{id}', async () => json(204, {}))],
    https: true,
    maxBodyBytes: 1024,
    answerError: (failure: Failure) => json(failure.kind === 'route-not-found' ? 404 : failure.kind === 'method-not-allowed' ? 405 : 500, { message: failure.message }),
    requestMetrics,
  });
  return { handler, lines };
}

describe('EMF business metrics', () => {
  it('builds a valid EMF document: dimensions and counts at the root, units, namespace', () => {
    const document = emfDocument([requestCount('scim', 201), { name: 'ScimOperations', dimensions: { Resource: 'Users', Operation: 'create', StatusClass: '2xx' } }], { correlationId: 'c-1' }, 1_764_496_800_000);
    expectValidEmf(document);
    expect(document).toMatchObject({ Surface: 'scim', StatusClass: '2xx', Resource: 'Users', Operation: 'create', Requests: 1, ScimOperations: 1, correlationId: 'c-1', _aws: { Timestamp: 1_764_496_800_000 } });
  });

  it('refuses two points that disagree on a shared dimension (the value lives once on the line)', () => {
    expect(() => emfDocument([requestCount('scim', 200), requestCount('scim', 500)])).toThrow(/StatusClass is already "2xx"/);
  });

  it('counts each request once when it finishes, error answers included, at any log level', async () => {
    const { handler, lines } = pipeline();
    await handler(httpEvent('GET', '/scim/v2/t1/Users'));
    await handler(httpEvent('PATCH', '/scim/v2/t1/Groups/g1'));
    await handler(httpEvent('DELETE', '/scim/v2/t1/Users'));
    const documents = emfLinesOf(lines);
    expect(lines).toHaveLength(3);
    documents.forEach(expectValidEmf);
    expect(documents.map((d) => [d.Resource, d.Operation, d.StatusClass])).toEqual([
      ['Users', 'list', '2xx'],
      ['Groups', 'patch', '2xx'],
      ['Users', 'delete', '4xx'],
    ]);
    expect(documents.every((d) => typeof d.correlationId === 'string')).toBe(true);
  });

  it('never carries request text: unknown resources, IDs, queries and tenant paths become closed-set values', async () => {
    const { handler, lines } = pipeline();
    await handler(httpEvent('GET', '/scim/v2/t1/%3Cscript%3Ealert(1)%3C%2Fscript%3E/secret-id', { query: { access_token: 'natoma_scim_abcdef' } }));
    const [document] = emfLinesOf(lines);
    expectValidEmf(document!);
    expect(document).toMatchObject({ Resource: 'Other', Operation: 'get', StatusClass: '4xx', Surface: 'scim' });
    expect(lines[0]).not.toMatch(/script|secret-id|natoma_scim|t1/);
  });

  it.each([
    ['GET', '/scim/v2/t1/Users', 'Users', 'list'],
    ['GET', '/scim/v2/t1/Users/u1', 'Users', 'get'],
    ['POST', '/scim/v2/t1/Users', 'Users', 'create'],
    ['POST', '/scim/v2/t1/Users/.search', 'Users', 'search'],
    ['POST', '/scim/v2/t1/.search', 'All', 'search'],
    ['PUT', '/scim/v2/t1/Groups/g1', 'Groups', 'replace'],
    ['PATCH', '/scim/v2/t1/Groups/g1', 'Groups', 'patch'],
    ['DELETE', '/scim/v2/t1/Groups/g1', 'Groups', 'delete'],
    ['GET', '/scim/v2/t1/ServiceProviderConfig', 'ServiceProviderConfig', 'list'],
    ['GET', '/scim/v2/t1/Elephants', 'Other', 'list'],
  ])('%s %s is %s / %s', (method, path, resource, operation) => {
    expect(scimOperationOf(method, path)).toEqual({ resource, operation });
  });
});
