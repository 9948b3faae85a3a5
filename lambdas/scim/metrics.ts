import { requestCount, statusClassOf, type FinishedRequest, type MetricPoint } from '../http/metrics';

/** SCIM resource endpoints by their RFC 7644 names; anything else counts as `Other` (never the request's own text). */
const RESOURCES = new Set(['Users', 'Groups', 'ServiceProviderConfig', 'ResourceTypes', 'Schemas', 'Bulk', 'Me']);

/** What a SCIM request did, in closed sets: resource (RFC 7644 endpoint) and operation. */
export function scimOperationOf(method: string, path: string): { resource: string; operation: string } {
  // /scim/v2/{tenantId}/{resource}[/{id}|/.search]
  const [, , , , first, second] = path.split('/');
  if (first === '.search') return { resource: 'All', operation: 'search' };
  const resource = first !== undefined && RESOURCES.has(first) ? first : 'Other';
  if (second === '.search') return { resource, operation: 'search' };
  const withId = second !== undefined && second !== '';
  const operation = method === 'GET' || method === 'HEAD' ? (withId ? 'get' : 'list') : (WRITE_OPERATIONS.get(method) ?? 'other');
  return { resource, operation };
}

const WRITE_OPERATIONS = new Map([['POST', 'create'], ['PUT', 'replace'], ['PATCH', 'patch'], ['DELETE', 'delete']]);

/** Per request: `Requests` (surface scim) and `ScimOperations` by resource, operation and status class. */
export function scimRequestMetrics(request: FinishedRequest): MetricPoint[] {
  const { resource, operation } = scimOperationOf(request.method.toUpperCase(), request.path);
  return [
    requestCount('scim', request.status),
    {
      name: 'ScimOperations',
      dimensions: { Resource: resource, Operation: operation, StatusClass: statusClassOf(request.status) },
      dimensionSets: [
        ['Resource', 'Operation', 'StatusClass'],
        ['StatusClass'],
      ],
    },
  ];
}
