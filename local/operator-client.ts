import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface OperatorRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under the admin base URL, with an optional query string. */
  readonly path: string;
  readonly body?: unknown;
}

export interface OperatorResponse {
  readonly status: number;
  readonly body: unknown;
}

/** The request could not be made or the server refused it; `message` is fit for a terminal. */
export class OperatorRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export type OperatorTransport = (request: OperatorRequest) => Promise<OperatorResponse>;

/** `https://<id>.lambda-url.<region>.on.aws/` → `<region>`. */
export function regionFromFunctionUrl(url: string): string | undefined {
  return /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/i.exec(new URL(url).hostname)?.[1];
}

async function send(url: URL, init: { method: string; headers: Record<string, string>; body?: string }, what: string): Promise<OperatorResponse> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    if (cause === 'ECONNREFUSED') throw new OperatorRequestError(`cannot reach ${what} at ${url.origin} (connection refused)`);
    throw new OperatorRequestError(`cannot reach ${what} at ${url.origin}: ${cause ?? (error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body };
}

function bodyInit(body: unknown): { body?: string; headers: Record<string, string> } {
  if (body === undefined) return { headers: {} };
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

/** The local twin: the operator key from DATA_DIR stands in for SigV4. */
export function localTransport(adminUrl: string, operatorKey: string): OperatorTransport {
  return async (request) => {
    const url = new URL(request.path, adminUrl);
    const { body, headers } = bodyInit(request.body);
    return send(url, { method: request.method, headers: { ...headers, accept: 'application/json', 'x-natoma-operator-key': operatorKey }, body }, 'the local twin');
  };
}

/** A deployed stack: requests to the IAM-authenticated Function URL, signed with SigV4 for service `lambda`. */
export function signedTransport(adminUrl: string, region: string, credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider): OperatorTransport {
  const signer = new SignatureV4({ service: 'lambda', region, credentials, sha256: Sha256 });
  return async (request) => {
    const url = new URL(request.path, adminUrl);
    const { body, headers } = bodyInit(request.body);
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of url.searchParams) {
      const prior = query[key];
      query[key] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
    }
    const signed = await signer.sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers: { ...headers, host: url.host, accept: 'application/json' },
      body,
    });
    return send(url, { method: request.method, headers: signed.headers as Record<string, string>, body }, 'the admin Function URL');
  };
}
