import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** API Gateway HTTP API (payload 2.0) and Lambda Function URLs deliver this same event shape. */
export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { iam?: { accessKey?: string; accountId?: string; userArn?: string; userId?: string } };
  };
};

export interface HttpResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  cookies?: string[];
  isBase64Encoded?: boolean;
}

const CORRELATION_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** The request's correlation ID: a well-formed inbound `x-correlation-id`, else the platform request ID. */
export function correlationIdOf(event: HttpEvent): string {
  const inbound = header(event, 'x-correlation-id');
  if (inbound && CORRELATION_ID.test(inbound)) return inbound;
  return event.requestContext?.requestId || randomUUID();
}

export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The raw body as text, or undefined; base64 bodies (binary media) are decoded. */
export function bodyText(event: HttpEvent): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** Byte length of the body as received, without decoding it twice. */
export function bodyBytes(event: HttpEvent): number {
  if (!event.body) return 0;
  return event.isBase64Encoded ? Math.floor((event.body.length * 3) / 4) : Buffer.byteLength(event.body, 'utf8');
}

export function method(event: HttpEvent): string {
  return event.requestContext.http.method.toUpperCase();
}

export function path(event: HttpEvent): string {
  return event.rawPath || event.requestContext.http.path;
}
