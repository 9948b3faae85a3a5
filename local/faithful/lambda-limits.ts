import type { HttpEvent, HttpResult } from '../../lambdas/http/request';

export type Surface = (event: HttpEvent, context?: unknown) => Promise<HttpResult>;

/** Lambda's synchronous invocation payload limit, request and response alike (6 MB). */
export const LAMBDA_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** API Gateway HTTP API's maximum integration timeout (not adjustable). */
export const HTTP_API_TIMEOUT_MS = 30_000;

/** How a surface is deployed: the function's own timeout and what fronts it. */
export interface DeployedSurface {
  /** The function's timeout (lib/constructs: SAML 10 s, SCIM 29 s, admin 30 s). */
  readonly lambdaTimeoutMs: number;
  readonly frontedBy: 'http-api' | 'function-url';
}

/** The deployed shape of each surface the twin composes (kept in step with lib/constructs). */
export const DEPLOYED_SURFACES = {
  saml: { lambdaTimeoutMs: 10_000, frontedBy: 'http-api' },
  oidc: { lambdaTimeoutMs: 10_000, frontedBy: 'http-api' },
  scim: { lambdaTimeoutMs: 29_000, frontedBy: 'http-api' },
  admin: { lambdaTimeoutMs: 30_000, frontedBy: 'function-url' },
} as const satisfies Record<string, DeployedSurface>;

/**
 * What AWS answers instead of the function. API Gateway HTTP API: a payload Lambda refuses is 413,
 * a failed invocation (timeout, response too large) is 500, its own 30 s timeout is 503, each with
 * `{"message": ...}`. A Function URL answers a failed invocation with 502.
 */
const gatewayError = (statusCode: number, message: string): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
});
const failedInvocation = (surface: DeployedSurface): HttpResult =>
  surface.frontedBy === 'http-api' ? gatewayError(500, 'Internal Server Error') : gatewayError(502, 'Internal Server Error');

export type LimitOutcome = 'ok' | 'request-too-large' | 'response-too-large' | 'timeout';

/**
 * One invocation under Lambda's and the front door's limits. `onOutcome` hears what happened (the
 * container pool replaces a container whose invocation timed out: AWS restarts its runtime).
 * A timed-out handler cannot be stopped here; it runs on in the background, its answer discarded.
 */
export async function invokeWithinLimits(
  handler: Surface,
  event: HttpEvent,
  surface: DeployedSurface,
  options: { timeoutMs?: number; onOutcome?: (outcome: LimitOutcome) => void } = {},
): Promise<HttpResult> {
  const report = options.onOutcome ?? (() => undefined);
  if (Buffer.byteLength(JSON.stringify(event)) > LAMBDA_MAX_PAYLOAD_BYTES) {
    report('request-too-large');
    return gatewayError(413, 'Request Entity Too Large');
  }
  const lambdaTimeout = options.timeoutMs ?? surface.lambdaTimeoutMs;
  const gatewayTimeout = surface.frontedBy === 'http-api' ? HTTP_API_TIMEOUT_MS : Number.POSITIVE_INFINITY;
  const timeoutMs = Math.min(lambdaTimeout, gatewayTimeout);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const running = handler(event);
  try {
    const result = await Promise.race([running, expired]);
    if (result === 'timeout') {
      running.catch(() => undefined);
      report('timeout');
      return lambdaTimeout <= gatewayTimeout ? failedInvocation(surface) : gatewayError(503, 'Service Unavailable');
    }
    if (Buffer.byteLength(JSON.stringify(result)) > LAMBDA_MAX_PAYLOAD_BYTES) {
      report('response-too-large');
      return failedInvocation(surface);
    }
    report('ok');
    return result;
  } finally {
    clearTimeout(timer);
  }
}
